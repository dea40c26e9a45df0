import type { Entry, SnapshotMeta } from '../../src/raft/index.js';
import type { SimNode } from './sim-node.js';

/** A broken Raft safety property; the message names the property, the node and the index. */
export class SafetyViolation extends Error {
  constructor(property: string, detail: string) {
    super(`${property}: ${detail}`);
    this.name = 'SafetyViolation';
  }
}

interface CommittedEntry {
  term: number;
  data: Uint8Array;
  /** The lowest term in which some node saw this entry committed. */
  commitTerm: number;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Checks the safety properties of Raft (Figure 3 of the paper) as the simulation runs:
 * election safety, log matching, leader completeness, state machine safety, and that reads
 * never miss a write committed before they started.
 */
export class SafetyChecker {
  private readonly leaders = new Map<number, string>();
  private readonly committed = new Map<number, CommittedEntry>();
  private readonly commitSeen = new Map<string, number>();
  globalCommit = 0;
  readsChecked = 0;

  /** Election safety: at most one leader per term; a new leader holds every earlier commit. */
  observeRole(node: SimNode): void {
    const raft = node.raft!;
    if (raft.role !== 'leader') return;
    const prev = this.leaders.get(raft.term);
    if (prev === node.id) return;
    if (prev !== undefined) {
      throw new SafetyViolation('election safety', `${prev} and ${node.id} both lead term ${raft.term}`);
    }
    this.leaders.set(raft.term, node.id);
    this.checkLeaderCompleteness(node);
  }

  private checkLeaderCompleteness(node: SimNode): void {
    const raft = node.raft!;
    for (const [index, c] of this.committed) {
      if (c.commitTerm >= raft.term || index <= raft.log.snapshotIndex) continue;
      if (raft.log.term(index) !== c.term) {
        throw new SafetyViolation(
          'leader completeness',
          `${node.id} leads term ${raft.term} without entry ${index} (term ${c.term}) committed in term ${c.commitTerm}`,
        );
      }
    }
  }

  /** Records entries newly committed on `node`; two different entries at one index is fatal. */
  observeCommit(node: SimNode): void {
    const raft = node.raft!;
    const log = raft.log;
    const from = Math.max(this.commitSeen.get(node.id) ?? 0, log.snapshotIndex);
    for (let i = from + 1; i <= log.committed; i++) {
      const e = log.entryAt(i)!;
      this.record(node.id, e, raft.term);
    }
    this.commitSeen.set(node.id, log.committed);
    if (log.committed > this.globalCommit) this.globalCommit = log.committed;
  }

  private record(nodeId: string, e: Entry, commitTerm: number): void {
    const c = this.committed.get(e.index);
    if (!c) {
      this.committed.set(e.index, { term: e.term, data: e.data, commitTerm });
      return;
    }
    if (c.term !== e.term || !sameBytes(c.data, e.data)) {
      throw new SafetyViolation(
        'state machine safety',
        `${nodeId} committed entry ${e.index} of term ${e.term}, but an entry of term ${c.term} was committed there`,
      );
    }
    if (commitTerm < c.commitTerm) c.commitTerm = commitTerm;
  }

  /** State machine safety: every applied entry is the one committed at its index. */
  observeApply(node: SimNode, e: Entry): void {
    const c = this.committed.get(e.index);
    if (!c) throw new SafetyViolation('state machine safety', `${node.id} applied ${e.index} before it was committed`);
    if (c.term !== e.term || !sameBytes(c.data, e.data)) {
      throw new SafetyViolation('state machine safety', `${node.id} applied a different entry at ${e.index}`);
    }
  }

  observeSnapshotInstall(node: SimNode, meta: SnapshotMeta): void {
    const c = this.committed.get(meta.index);
    if (c && c.term !== meta.term) {
      throw new SafetyViolation('snapshot', `${node.id} installed snapshot ${meta.index}/${meta.term}, committed term is ${c.term}`);
    }
    this.commitSeen.set(node.id, meta.index);
  }

  /** Linearizable reads: served at an index at least the commit index when the read began. */
  checkRead(nodeId: string, ctx: string, servedIndex: number, commitAtInvoke: number): void {
    this.readsChecked++;
    if (servedIndex < commitAtInvoke) {
      throw new SafetyViolation(
        'linearizable read',
        `${nodeId} served read ${ctx} at index ${servedIndex}, but ${commitAtInvoke} was committed before it began`,
      );
    }
  }

  /** Log matching (§5.3): equal (index, term) in two logs implies equal prefixes. */
  checkLogMatching(nodes: SimNode[]): void {
    const up = nodes.filter((n) => n.raft);
    for (let a = 0; a < up.length; a++) {
      for (let b = a + 1; b < up.length; b++) this.matchPair(up[a]!, up[b]!);
    }
  }

  private matchPair(x: SimNode, y: SimNode): void {
    const lx = x.raft!.log;
    const ly = y.raft!.log;
    const lo = Math.max(lx.snapshotIndex, ly.snapshotIndex) + 1;
    let i = Math.min(lx.lastIndex(), ly.lastIndex());
    while (i >= lo && lx.term(i) !== ly.term(i)) i--;
    for (; i >= lo; i--) {
      const ex = lx.entryAt(i)!;
      const ey = ly.entryAt(i)!;
      if (ex.term !== ey.term || !sameBytes(ex.data, ey.data)) {
        throw new SafetyViolation('log matching', `${x.id} and ${y.id} agree on a later entry but differ at ${i}`);
      }
    }
  }

  /** Committed entries are never lost: some live node still holds (or has snapshotted) each one. */
  committedCount(): number {
    return this.committed.size;
  }
}
