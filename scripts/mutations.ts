// The mutations `npm run mutate` applies, one at a time, to prove the suite bites: each removes
// one guarantee the way a plausible bug or a "harmless" optimisation would, and names the tests
// that must fail because of it. test/mutate/mutations.test.ts keeps the list applicable as the
// code moves (each `find` must occur exactly once in its file).

/** One deliberate bug: replace `find` by `replace` in `file`; one of `tests` must then fail. */
export interface Mutation {
  /** Short id, used on the command line (`npm run mutate -- --only a`). */
  id: string;
  /** The guarantee it removes, as docs/testing.md lists it. */
  title: string;
  /** Repository-relative path of the file to change. */
  file: string;
  /** Exact text to replace; must occur exactly once in `file`. */
  find: string;
  replace: string;
  /** Test files (repository-relative) of which at least one must fail. */
  tests: string[];
}

export const MUTATIONS: readonly Mutation[] = [
  {
    id: 'a',
    title: 'no O_DSYNC on the WAL segments: appends are not durable when acknowledged',
    file: 'src/wal/segment.ts',
    find: 'return disk.open(file, { write: true, dsync: true, create, truncate: create });',
    replace: 'return disk.open(file, { write: true, dsync: false, create, truncate: create });',
    tests: ['test/wal/power-cut.test.ts', 'test/sim-node/sim-node.test.ts', 'test/sim-node/sim-node-more.test.ts'],
  },
  {
    id: 'b',
    title: "ASYNC acknowledged before the leader's own log write is durable",
    file: 'src/server/driver.ts',
    find: `    if (writes.length > 0) {
      const t0 = performance.now();`,
    replace: `    if (rd.entries.length > 0 && this.deps.raft.role === 'leader') this.deps.onDurable(rd.entries[rd.entries.length - 1]!.index);
    if (writes.length > 0) {
      const t0 = performance.now();`,
    tests: ['test/integration/durability-order.test.ts', 'test/sim-node/sim-node.test.ts', 'test/sim-node/sim-node-more.test.ts'],
  },
  {
    id: 'c',
    title: 'followers acknowledge appends before their log write is durable',
    file: 'src/server/driver.ts',
    find: "const early = rd.entries.length > 0 && this.deps.raft.role === 'leader' && !voteChanged;",
    replace: 'const early = rd.entries.length > 0 && !voteChanged;',
    tests: ['test/integration/durability-order.test.ts', 'test/sim-node/sim-node.test.ts', 'test/sim-node/sim-node-more.test.ts'],
  },
  {
    id: 'd',
    title: 'ReadIndex served without the heartbeat round that confirms leadership',
    file: 'src/raft/leader.ts',
    find: '    else this.reads.add(ctx, this.node.log.committed);',
    replace: '    else this.node.readStates.push({ ctx, index: this.node.log.committed });',
    tests: ['test/raft/read-index.test.ts', 'test/sim/simulation-3-nodes.test.ts', 'test/sim-node/sim-node.test.ts', 'test/sim-node/sim-node-more.test.ts'],
  },
  {
    id: 'e',
    title: 'LEASE reads without the lease check',
    file: 'src/raft/leader.ts',
    find: 'if (this.committedInTerm && this.leaseValid(nowMs)) {',
    replace: 'if (this.committedInTerm) {',
    tests: ['test/raft/lease.test.ts', 'test/sim/simulation-pauses.test.ts', 'test/sim-node/sim-node.test.ts'],
  },
  {
    id: 'f',
    title: 'the exactly-once table left out of snapshots',
    file: 'src/state/snapshot.ts',
    find: `        for (const [k, v] of batch) {
          hasher?.addRecord(k, v);`,
    replace: `        for (const [k, v] of batch) {
          if (k[0] === 0x63 || k[0] === 0x72) continue;
          hasher?.addRecord(k, v);`,
    tests: ['test/state/exactly-once.test.ts', 'test/state/snapshot.test.ts', 'test/sim-node/sim-node.test.ts', 'test/sim-node/sim-node-more.test.ts'],
  },
  {
    id: 'g',
    title: 'the commit index advances on an entry of an earlier term (the Figure 8 rule)',
    file: 'src/raft/leader.ts',
    find: 'if (idx <= node.log.committed || node.log.term(idx) !== node.term) return;',
    replace: 'if (idx <= node.log.committed) return;',
    tests: ['test/raft/safety.test.ts', 'test/sim/simulation-3-nodes.test.ts'],
  },
  {
    id: 'h',
    title: 'watch events sent before the applied batch is written',
    file: 'src/state/state-machine.ts',
    find: `      await batch.write({ sync: this.options.syncWrites === true });
      this.historyLog.release(next.firstWatchRevision);
      this.state = next;
      for (const [k, kv] of pending.kvs) this.cache.set(k, kv);
      this.dedupe.batchWritten();
      this.emit({ type: 'applied', firstIndex: entries[first]!.index, lastIndex: last.index, revision: next.revision, events: pending.events });`,
    replace: `      this.emit({ type: 'applied', firstIndex: entries[first]!.index, lastIndex: last.index, revision: next.revision, events: pending.events });
      await batch.write({ sync: this.options.syncWrites === true });
      this.historyLog.release(next.firstWatchRevision);
      this.state = next;
      for (const [k, kv] of pending.kvs) this.cache.set(k, kv);
      this.dedupe.batchWritten();`,
    tests: ['test/state/watch.test.ts'],
  },
  {
    id: 'i',
    title: "the watch history's records appended after LevelDB's batch instead of before it",
    file: 'src/state/state-machine.ts',
    find: `      await this.historyLog.append(records);
      if (this.options.syncWrites === true) await this.historyLog.sync();
      await batch.write({ sync: this.options.syncWrites === true });`,
    replace: `      await batch.write({ sync: this.options.syncWrites === true });
      await this.historyLog.append(records);`,
    tests: ['test/state/kill.test.ts'],
  },
];
