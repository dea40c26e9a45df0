// One seeded run of the whole-node simulation: 3 or 5 members (the real node composition on the
// twins), clients issuing writes, compare-and-sets, deletes, reads and ranges of every
// consistency (some of them over Pipeline streams), and a fault schedule — network partitions
// and one-way cuts, lossy and slow links, process crashes, power cuts, pauses (SIGSTOP),
// switchovers, automatic failback, power cuts aimed right after acknowledgements (ack-cuts.ts) —
// all drawn from one seed. At the end every member is
// restarted after a power cut, the final value of every key is read, and the run is judged:
// the history of what clients were told is linearizable, SERIALIZABLE reads returned only
// written values, no member stopped on its own, every member holds the same keys, and a leader
// that lost power held every ASYNC write it had acknowledged in its term (async-durability.ts).
import { Rng } from '../../src/common/rng.js';
import { COMMIT_CONFIG_META, commitConfigFrom, readHistory } from '../../src/failover/index.js';
import { checkHistory, formatViolation, HistoryRecorder, type Value } from '../../src/history/index.js';
import { SimMember } from './member.js';
import { SimNetwork } from './network.js';
import { VirtualTime } from './virtual-time.js';
import { Membership } from './membership.js';
import { ClockFaults } from './clock-faults.js';
import { BitRot } from './bit-rot.js';
import { AckCuts } from './ack-cuts.js';
import { AsyncDurability } from './async-durability.js';
import { Watchers } from './watchers.js';
import { Workload, sleep } from './workload.js';

/** What a run does; defaultRun(seed) picks them from the seed. */
export interface RunOptions {
  seed: number;
  nodes: 3 | 5;
  /** Virtual milliseconds of client load and faults. */
  durationMs: number;
  clients: number;
  keys: number;
  /** Faults: crashes (process or power), pauses, partitions, switchovers. */
  faults: boolean;
  /** Print the fault schedule as it happens. */
  trace?: (line: string) => void;
  /** Bit rot in sealed WAL segments of members that are down (bit-rot.ts); small segments. */
  bitFlips?: boolean;
}

/** The outcome of one run. */
export interface RunResult {
  seed: number;
  ok: boolean;
  /** What went wrong, one line each. */
  problems: string[];
  operations: { ok: number; failed: number; unknown: number };
  /** Attempts on pipeline streams: answered, failed. */
  pipelineAttempts: { answered: number; failed: number };
  /** Why writes ended with an unknown outcome, most frequent first. */
  unknownReasons: [string, number][];
  faults: number;
  /** Automatic failbacks the failover history records. */
  failbacks: number;
  /** ASYNC writes found on their leader's disk after it lost power leading their term (async-durability.ts). */
  asyncChecked: number;
  virtualMs: number;
  /** With bitFlips: starts refused as they must be, and flips outside every record. */
  bitRot?: { refused: number; harmless: number };
}

/** A running member's timers fire 1-3 ms late one time in twenty (a busy event loop). */
const LATE_TIMERS = { p: 0.05, maxMs: 3 };

/** The options a seed runs with by default (cluster size alternates). */
export function defaultRun(seed: number): RunOptions {
  return { seed, nodes: seed % 2 === 0 ? 5 : 3, durationMs: 6_000, clients: 4, keys: 6, faults: true };
}

/** The command line that replays `o`. */
export function replayCommand(o: RunOptions): string {
  return `npm run sim:node -- --seed ${o.seed} --nodes ${o.nodes} --duration ${o.durationMs}${o.bitFlips ? ' --bit-flips' : ''} --trace`;
}

/** Runs one seed to the end and judges it. */
export async function runSimulation(o: RunOptions): Promise<RunResult> {
  const time = new VirtualTime();
  const problems: string[] = [];
  const rng = new Rng(o.seed);
  const trace = (line: string): void => o.trace?.(`${(time.nowMs() / 1000).toFixed(3)}s ${line}`);
  const net = new SimNetwork(rng, { dropP: 0.01, duplicateP: 0.01, minDelayMs: 0, maxDelayMs: 4 });
  const segments = o.bitFlips ? { segmentBytes: 16 * 1024 } : {};
  const ids = Array.from({ length: o.nodes }, (_, i) => `n${i + 1}`);
  const peers = new Map(ids.map((id) => [id, `sim:${id}`]));
  // Automatic failback to n1 in half the runs, alongside the switchovers, crashes and membership
  // changes (n1 may be removed; then there is nothing to fail back to).
  const failover = rng.chance(0.5) ? { failover: { preferredLeader: 'n1', autoFailback: true, failbackDelayMs: rng.pick([500, 2_000]) } } : {};
  // Compacting every few dozen entries: a member that lags, restarts, loses power or joins late
  // catches up by snapshot (over the faulty network, in small chunks), not from the log.
  const snapshotEntries = rng.int(20, 100);
  const keepEntries = rng.int(0, 20);
  trace(`members compact after ${snapshotEntries} entries, keeping ${keepEntries}`);
  const members: SimMember[] = ids.map((id) => new SimMember({ id, peers, snapshotEntries, keepEntries, followerApplyDelayMs: rng.pick([0, 5]), lateness: LATE_TIMERS, ...segments, ...failover }, net, rng, () => members));
  // One more member, added during the run (as a learner, then maybe promoted) by MemberAdd's steps.
  const spareId = `n${o.nodes + 1}`;
  members.push(new SimMember({ id: spareId, peers: new Map([...peers, [spareId, `sim:${spareId}`]]), join: true, snapshotEntries, keepEntries, followerApplyDelayMs: 0, lateness: LATE_TIMERS, ...segments, ...failover }, net, rng, () => members));
  const membership = new Membership(members, members[members.length - 1]!);
  const history = new HistoryRecorder({ clockNs: () => time.historyNs() });
  const ackCuts = new AckCuts(o.seed, members, (m) => membership.belongs(m), trace);
  const asyncDurability = new AsyncDurability(members, problems);
  for (const m of members) {
    m.onPowerOff = (x) => asyncDurability.poweringOff(x);
    m.beforeStart = (x) => asyncDurability.verify(x);
  }
  const onAcknowledged = (method: string, request: object, response: object): void => {
    const async = (request as { commitMode?: string }).commitMode === 'ASYNC';
    if (async) asyncDurability.acknowledged(request, response);
    ackCuts.acknowledged(method, (response as { header?: { memberId?: string } }).header?.memberId, async);
  };
  const workload = new Workload(rng, net, members, history, { clients: o.clients, keys: o.keys, asyncShare: 0.1, writeBudgetMs: 6_000, attemptMs: [300, 300, 300, 2_500], pipelineClients: 1, pipelineSessions: 3, onAcknowledged });
  const watchers = new Watchers(rng, members, 2);
  const clockFaults = new ClockFaults(o.seed);
  const bitRot = new BitRot(o.seed);
  let faults = 0;
  // A member a snapshot is sent to may lose power while it stages or installs it (a swap's step).
  net.snapshots.onStart = (to) => {
    const m = members.find((x) => x.config.id === to);
    if (!o.faults || !m || !rng.chance(0.3)) return;
    faults++;
    m.cutPowerAtStorageOp(rng.int(1, 30), trace);
  };
  let failbacks = 0;
  try {
    for (const m of members) if (membership.belongs(m)) await m.start();
    await time.advance(2_000);
    workload.start();
    watchers.tend();
    ackCuts.armed = o.faults;
    for (let t = 0; t < o.durationMs; t += 50) {
      await ackCuts.bootDue();
      if (o.faults) faults += await injectFaults(rng, net, members, membership, trace);
      if (o.faults) faults += clockFaults.maybeJump(members, trace);
      if (o.bitFlips) faults += await bitRot.maybeFlip(members.filter((m) => !m.up && membership.belongs(m)), trace, problems);
      for (const m of members) if (m.reapDiskFault()) trace(`${m.config.id} stopped on the disk fault; its disk is replaced`);
      await membership.tend(trace);
      watchers.tend();
      await time.advance(50);
    }
    // Calm: everything back up and connected, the last operations end.
    net.heal();
    for (const m of members) m.resume();
    net.snapshots.onStart = null;
    ackCuts.disarm();
    for (const m of members) m.disarmStorageCut();
    for (const m of members) m.reapDiskFault();
    await membership.tend(trace);
    for (const m of members) if (!m.up && membership.belongs(m)) await m.start();
    watchers.tend();
    const stopping = workload.stop();
    // Six calm seconds, in slices: a member still frozen when the faults stopped may find its
    // disk failed when it thaws, and stops; it is restarted like the others.
    for (let t = 0; t < 6_000; t += 50) {
      for (const m of members) {
        if (!m.reapDiskFault()) continue;
        trace(`${m.config.id} stopped on the disk fault; restarted on a working disk`);
        await m.start();
      }
      await membership.tend(trace);
      watchers.tend();
      await time.advance(50);
    }
    await stopping;
    watchers.tend();
    await time.advance(500);
    // A member removed while cut off never learns it (nothing is sent to it any more): the
    // operator stops it, as etcd's runbook says. It is no member to compare.
    const leader = members.find((m) => m.core?.raft.role === 'leader');
    if (leader) {
      const conf = leader.core!.raft.conf();
      const inConf = new Set([...conf.voters, ...conf.votersOutgoing, ...conf.learners, ...conf.learnersNext]);
      for (const m of members) {
        if (m.up && !inConf.has(m.config.id)) {
          trace(`${m.config.id} is not in the configuration: stopped by the operator`);
          m.removed = true;
          m.crash(false);
        }
      }
      await watchers.check(leader, problems);
      const events = await readHistory((name) => leader.core!.sm.getMeta(name), 0);
      failbacks = events.filter((e) => e.reason === 'failback').length;
      if (failbacks > 0) trace(`failbacks to n1 in the failover history: ${failbacks}`);
    } else {
      problems.push('no leader after 6 s of calm');
    }
    // Every member loses power and comes back: acknowledged writes must survive it.
    trace('power cut on every member');
    for (const m of members) m.crash(true);
    for (const m of members) if (membership.belongs(m)) await m.start();
    await time.advance(3_000);
    await membership.tend(trace);
    await finalReads(workload, members, history, o.keys, time, problems);
    await time.advance(500);
    await compareMembers(workload, members, o.keys, problems, time);
    for (const m of members) if (m.fatal) problems.push(`${m.config.id} stopped on its own: ${m.fatal.message}`);
    const s = net.snapshots.counts;
    trace(`snapshot transfers: ${s.started} started, ${s.accepted} accepted, ${s.failed} failed`);
    for (const m of members) m.crash(false);
  } catch (err) {
    // A member that cannot start again (its WAL refuses to open after a power cut: what it had
    // acknowledged was not on its disk) is a finding of this seed, not the end of a long hunt.
    problems.push(`the run stopped on an error: ${err instanceof Error ? err.message : String(err)}`);
    for (const m of members) m.crash(false);
  } finally {
    time.uninstall();
  }
  faults += ackCuts.cuts;
  judge(history, workload, problems);
  const unknownReasons = [...workload.unknownReasons].sort((a, b) => b[1] - a[1]);
  return { seed: o.seed, ok: problems.length === 0, problems, operations: workload.counts, pipelineAttempts: workload.pipelineAttempts, unknownReasons, faults, failbacks, asyncChecked: asyncDurability.checked, virtualMs: o.durationMs, ...(o.bitFlips ? { bitRot: bitRot.outcomes } : {}) };
}

/** Maybe one fault this 50 ms slice: crash, power cut, restart, pause, partition, heal, switchover. */
async function injectFaults(rng: Rng, net: SimNetwork, members: SimMember[], membership: Membership, trace: (line: string) => void): Promise<number> {
  const r = rng.next();
  if (r > 0.06) return 0;
  const up = members.filter((m) => m.up);
  const down = members.filter((m) => !m.up && membership.belongs(m));
  const leader = up.find((m) => m.core!.raft.role === 'leader');
  const pick = (): SimMember => (leader && rng.chance(0.7) ? leader : rng.pick(members));
  const kind = rng.int(0, 13);
  if (kind === 0 && up.length > 0) {
    const m = pick();
    if (!m.up) return 0;
    const power = rng.chance(0.5);
    trace(`${power ? 'power cut' : 'crash'} ${m.config.id}${m === leader ? ' (leader)' : ''}`);
    m.crash(power);
  } else if (kind === 1 && down.length > 0) {
    const m = rng.pick(down);
    trace(`restart ${m.config.id}`);
    await m.start();
  } else if (kind === 2 || kind === 3) {
    const m = pick();
    if (!m.up || m.isPaused) return 0;
    const ms = rng.int(300, 2_000);
    trace(`pause ${m.config.id}${m === leader ? ' (leader)' : ''} for ${ms} ms`);
    m.pause();
    setTimeout(() => {
      trace(`resume ${m.config.id}`);
      m.resume();
    }, ms);
  } else if (kind === 4) {
    const ids = rng.shuffle(members.map((m) => m.config.id));
    const cut = rng.int(1, ids.length - 1);
    trace(`partition ${ids.slice(0, cut).join(',')} | ${ids.slice(cut).join(',')}`);
    net.partition([ids.slice(0, cut), ids.slice(cut)]);
  } else if (kind === 5) {
    const [a, b] = rng.shuffle(members.map((m) => m.config.id));
    trace(`cut ${a} -> ${b}`);
    net.cutOneWay(a!, b!);
  } else if (kind === 6 || kind === 7) {
    trace('heal the network');
    net.heal();
  } else if (kind === 8 && leader) {
    trace(`switchover from ${leader.config.id}`);
    leader.core!.failover.switchover.run({ reason: 'switchover' }).catch(() => {});
  } else if (kind === 9 && leader) {
    // The cluster's default mode, which DEFAULT writes get: the modes that acknowledge only
    // replicated writes (an ASYNC default would make every DEFAULT write's outcome unknown).
    const failover = leader.core!.failover;
    const mode = rng.pick(['SYNC', 'SEMI_SYNC'] as const);
    trace(`default commit mode ${mode}`);
    failover.putMeta(COMMIT_CONFIG_META, commitConfigFrom({ mode, syncPolicy: '', syncTimeoutMs: 0, minSyncReplicas: failover.commitConfig().minSyncReplicas }, failover.commitConfig())).catch(() => {});
  } else if (kind === 11) {
    const m = pick();
    if (!m.up) return 0;
    trace(`disk writes fail with EIO on ${m.config.id}${m === leader ? ' (leader)' : ''}`);
    m.failDisk();
  } else if ((kind === 12 || kind === 13) && leader) {
    membership.change(leader, rng, trace);
  } else if (kind === 10 && up.length === members.filter((m) => membership.belongs(m)).length) {
    // The whole room loses power under load: what each member had not synced is gone at once.
    trace('power cut on every member (under load)');
    for (const m of members) m.crash(true);
  } else {
    return 0;
  }
  return 1;
}

/** The last value of every key, read linearizably (retried until some member answers). */
async function finalReads(workload: Workload, members: SimMember[], history: HistoryRecorder, keys: number, time: VirtualTime, problems: string[]): Promise<void> {
  for (let k = 0; k < keys; k++) {
    const key = `k${k}`;
    let done = false;
    for (let attempt = 0; attempt < 40 && !done; attempt++) {
      const op = history.invoke('final', key, { type: 'read' });
      try {
        const res = (await awaitAdvancing(workload.call('final', members[attempt % members.length]!, 'Get', { key: Buffer.from(key), consistency: 'LINEARIZABLE' }), time)) as { found?: boolean; value?: Buffer };
        history.ok(op, res.found ? Buffer.from(res.value!).toString() : null);
        done = true;
      } catch (err) {
        history.fail(op, (err as Error).message);
        await awaitAdvancing(sleep(100), time);
      }
    }
    if (!done) problems.push(`no member answered a linearizable read of ${key} after every member restarted`);
  }
}

/** Waits for `p` while advancing virtual time (nothing else moves it now). */
async function awaitAdvancing<T>(p: Promise<T>, time: VirtualTime): Promise<T> {
  let settled = false;
  const watched = p.finally(() => (settled = true));
  watched.catch(() => {});
  while (!settled) await time.advance(10);
  return watched;
}

/** Every member's SERIALIZABLE view of every key, once all have applied everything, is the same. */
async function compareMembers(workload: Workload, members: SimMember[], keys: number, problems: string[], time: VirtualTime): Promise<void> {
  for (let k = 0; k < keys; k++) {
    const key = `k${k}`;
    const seen = new Map<string, Value>();
    for (const m of members) {
      if (!m.core) continue;
      await awaitAdvancing(m.core.driver.waitApplied(m.core.raft.log.committed), time);
      const kv = await m.core.sm.get(Buffer.from(key));
      seen.set(m.config.id, kv ? Buffer.from(kv.value).toString() : null);
    }
    const values = new Set(seen.values());
    if (values.size > 1) problems.push(`members disagree on ${key}: ${[...seen].map(([id, v]) => `${id}=${String(v)}`).join(' ')}`);
  }
  void workload;
}

/** The history is linearizable; SERIALIZABLE reads returned only values that were written. */
function judge(history: HistoryRecorder, workload: Workload, problems: string[]): void {
  const result = checkHistory(history, { timeBudgetMsPerKey: 20_000 });
  if (result.linearizable === false) problems.push(`history not linearizable:\n${result.violation ? formatViolation(result.violation) : '(no counterexample)'}`);
  else if (result.linearizable === 'unknown') {
    const ops = history.operations();
    const undecided = result.keys.filter((k) => k.verdict === 'unknown').map((k) => {
      const mine = ops.filter((o) => o.key === k.key);
      return `${k.key}: ${mine.length} operations, ${mine.filter((o) => o.status === 'unknown').length} of unknown outcome, ${k.steps} steps`;
    });
    problems.push(`the checker could not decide (${undecided.join('; ')})`);
  }
  problems.push(...workload.answerProblems);
  for (const r of workload.serializableReads) {
    if (r.value !== null && !workload.written.get(r.key)?.has(r.value)) problems.push(`SERIALIZABLE read of ${r.key} returned ${r.value}, never written`);
  }
}

/** Runs seeds `from` .. `from + count - 1` with their defaults; the failures, each with its replay command. */
export async function runSeeds(from: number, count: number): Promise<string[]> {
  const failures: string[] = [];
  for (let seed = from; seed < from + count; seed++) {
    const run = defaultRun(seed);
    const r = await runSimulation(run);
    if (!r.ok) failures.push(`seed ${seed}: ${r.problems.join('\n')}\n  replay: ${replayCommand(run)}`);
  }
  return failures;
}
