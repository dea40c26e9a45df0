// Power cuts at every step of a WAL scenario, on the in-memory disk (test/support/memory-disk.ts).
//
// A scenario is a fixed script of WAL calls. It is run once to count its file operations (open,
// write, truncate, sync, unlink, rename, directory fsync), then once per operation with the power
// cut at exactly that one (torn, with `tear`). After each cut the WAL is reopened from what the
// disk kept and checked against the calls that were acknowledged before the cut:
// - it opens without operator help (a torn tail is cut, never refused);
// - every acknowledged effect is there: entries with their bytes, term and vote, the snapshot,
//   a compaction (no older first index), a truncation (removed entries never come back);
// - nothing else is: every entry found was written at that index by an acknowledged call or by
//   one still in flight at the cut, and so were the hard state and snapshot found.
// Then one more entry is appended, the power is cut again, and the same checks run: a repair made
// at open must be durable before anything is written after it.
import { expect } from 'vitest';
import type { Disk } from '../../src/disk/disk.js';
import type { Entry, HardState, SnapshotMeta } from '../../src/raft/types.js';
import { Wal, type WalOptions } from '../../src/wal/index.js';
import { MemoryDisk } from '../support/memory-disk.js';
import { entry, prng, sameEntry } from './helpers.js';

/** The directory every scenario's WAL lives in (created by the WAL, parents included). */
export const WAL_DIR = '/data/node1/wal';

type Op =
  | { kind: 'append'; entries: Entry[] }
  | { kind: 'truncate'; from: number }
  | { kind: 'hardState'; hs: HardState }
  | { kind: 'snapshot'; meta: SnapshotMeta }
  | { kind: 'compact'; index: number };

/** What the acknowledged calls say the WAL durably holds. */
interface Model {
  log: Map<number, Entry>;
  /** No entry before this may come back (compaction, snapshot install). */
  first: number;
  hs: HardState;
  snap: SnapshotMeta | null;
}

/** Wraps a Wal: every call is tracked as in flight until acknowledged, then applied to the model. */
export class Recorder {
  readonly inflight: Op[] = [];

  constructor(
    public wal: Wal,
    readonly acked: Model,
    private readonly disk: Disk,
  ) {}

  /** Closes the WAL cleanly and opens it again with `options` (same disk). */
  async reopen(options: Omit<WalOptions, 'disk'>): Promise<void> {
    await this.wal.close();
    this.wal = await Wal.open(WAL_DIR, { ...options, disk: this.disk });
  }

  /** wal.append, tracked. */
  append(entries: Entry[], afterOutput = false): Promise<void> {
    return this.track({ kind: 'append', entries }, this.wal.append(entries, afterOutput));
  }

  /** wal.truncateSuffix, tracked. */
  truncate(from: number): Promise<void> {
    return this.track({ kind: 'truncate', from }, this.wal.truncateSuffix(from));
  }

  /** wal.saveHardState, tracked. */
  hardState(hs: HardState): Promise<void> {
    return this.track({ kind: 'hardState', hs }, this.wal.saveHardState(hs));
  }

  /** wal.saveSnapshotMeta, tracked. */
  snapshot(meta: SnapshotMeta): Promise<void> {
    return this.track({ kind: 'snapshot', meta }, this.wal.saveSnapshotMeta(meta));
  }

  /** wal.compactPrefix, tracked. */
  compact(index: number): Promise<void> {
    return this.track({ kind: 'compact', index }, this.wal.compactPrefix(index));
  }

  private async track(op: Op, done: Promise<void>): Promise<void> {
    this.inflight.push(op);
    await done;
    this.inflight.splice(this.inflight.indexOf(op), 1);
    apply(this.acked, op);
    if (op.kind === 'compact') this.acked.first = Math.max(this.acked.first, this.wal.firstIndex());
  }
}

function apply(m: Model, op: Op): void {
  switch (op.kind) {
    case 'append':
      cutFrom(m, op.entries[0]!.index);
      for (const e of op.entries) m.log.set(e.index, e);
      return;
    case 'truncate':
      return cutFrom(m, op.from);
    case 'hardState':
      m.hs = { ...op.hs };
      return;
    case 'snapshot': {
      const kept = m.log.get(op.meta.index);
      if (kept === undefined || kept.term !== op.meta.term) {
        m.log.clear();
        m.first = op.meta.index + 1;
      }
      m.snap = op.meta;
      return;
    }
    case 'compact':
      return;
  }
}

function cutFrom(m: Model, from: number): void {
  for (const i of [...m.log.keys()]) if (i >= from) m.log.delete(i);
}

function copy(m: Model): Model {
  return { log: new Map(m.log), first: m.first, hs: { ...m.hs }, snap: m.snap };
}

function modelOf(log: Entry[]): Model {
  return { log: new Map(log.map((e) => [e.index, e])), first: 1, hs: { term: 0, vote: null, commit: 0 }, snap: null };
}

/** A scenario: WAL calls through the recorder. It may not catch errors (a cut must reach the runner). */
export type Scenario = (rec: Recorder) => Promise<void>;

/** Options of one power-cut sweep. */
export interface SweepOptions {
  wal?: Omit<WalOptions, 'disk'>;
  /** Tear the write the power is cut in (a random prefix reaches the disk), seeded per step. */
  tear?: boolean;
  /** Unsynced changes may survive the cut, each at random (MemoryDisk's keepSome); `seeds` draws per step. */
  keepSome?: boolean;
  /** Cuts per step, each with its own seed (default 1). */
  seeds?: number;
  /** Prepares the disk before the scenario (never cut), e.g. a log from an earlier run; returns its entries. */
  prepare?: (disk: MemoryDisk) => Promise<Entry[]>;
}

/** Runs `scenario` on a fresh disk; returns the recorder, or null when the power was cut in Wal.open. */
async function runOnce(disk: MemoryDisk, scenario: Scenario, opts: SweepOptions, initial: Model): Promise<Recorder | null> {
  let rec: Recorder | null = null;
  const cuts = disk.powerCuts;
  try {
    const mount = disk.mount();
    rec = new Recorder(await Wal.open(WAL_DIR, { ...opts.wal, disk: mount }), copy(initial), mount);
    await scenario(rec);
  } catch (err) {
    if (disk.powerCuts === cuts) throw err; // a real failure, not the cut
  }
  return rec;
}

/** Cuts the power at every file operation of `scenario` in turn; returns how many steps were cut. */
export async function cutAtEveryStep(scenario: Scenario, opts: SweepOptions = {}): Promise<number> {
  const probe = new MemoryDisk();
  const initial = modelOf((await opts.prepare?.(probe)) ?? []);
  const before = probe.ops;
  const rec = await runOnce(probe, scenario, opts, initial);
  await rec!.wal.close();
  const steps = probe.ops - before;
  expect(steps).toBeGreaterThan(0);
  for (let k = 1; k <= steps; k++) {
    for (let seed = 1; seed <= (opts.seeds ?? 1); seed++) {
      const disk = new MemoryDisk();
      await opts.prepare?.(disk);
      const n = disk.ops + k;
      disk.cutPowerAt(n, { tear: opts.tear === true, keepSome: opts.keepSome === true, rand: prng(n * 1000 + seed) });
      const cutRec = await runOnce(disk, scenario, opts, initial);
      const label = `power cut at step ${k}/${steps} (seed ${seed}): ${disk.trace.find((op) => op.n === n)?.label ?? '?'}`;
      expect(disk.failpointPending, `${label}: the step was never reached`).toBe(false);
      await checkAfterCut(disk, cutRec?.acked ?? initial, cutRec?.inflight ?? [], opts, label);
    }
  }
  return steps;
}

/** Reopens after a cut and checks it; then appends once more, cuts again, and checks again. */
async function checkAfterCut(disk: MemoryDisk, acked: Model, inflight: Op[], opts: SweepOptions, label: string): Promise<void> {
  const found = await reopenAndCheck(disk, acked, inflight, opts, label);
  // Second life: whatever recovery repaired must hold under the next write and the next cut.
  const mount = disk.mount();
  const wal = await Wal.open(WAL_DIR, { ...opts.wal, disk: mount });
  const rec = new Recorder(wal, found, mount);
  const next = wal.lastIndex() + 1;
  await rec.append([entry(next, Math.max(1, wal.term(next - 1)))]);
  disk.powerCut();
  await reopenAndCheck(disk, rec.acked, [], opts, `${label}, then one append and a second cut`);
}

/** Opens the WAL after a cut, checks it against the model, and returns what it holds as a model. */
async function reopenAndCheck(disk: MemoryDisk, acked: Model, inflight: Op[], opts: SweepOptions, label: string): Promise<Model> {
  let wal: Wal;
  try {
    wal = await Wal.open(WAL_DIR, { ...opts.wal, disk: disk.mount() });
  } catch (err) {
    throw new Error(`${label}: the WAL does not open: ${(err as Error).message}`);
  }
  const r = await wal.recover();
  const first = wal.firstIndex();
  await wal.close();
  // The base is what was acknowledged, plus an in-flight snapshot install if that reached disk.
  let base = acked;
  if (!sameSnap(r.snapshot, acked.snap)) {
    const op = inflight.find((o) => o.kind === 'snapshot' && sameSnap(o.meta, r.snapshot));
    expect(op, `${label}: snapshot ${JSON.stringify(r.snapshot)} was never saved`).toBeDefined();
    base = copy(acked);
    apply(base, op!);
  }
  const hsSaved = [acked.hs, ...inflight.flatMap((o) => (o.kind === 'hardState' ? [o.hs] : []))];
  const hsOk = hsSaved.some((hs) => hs.term === r.hardState.term && hs.vote === r.hardState.vote);
  expect(hsOk, `${label}: hard state ${JSON.stringify(r.hardState)}, acknowledged ${JSON.stringify(acked.hs)}`).toBe(true);
  expect(first, `${label}: a compaction came undone`).toBeGreaterThanOrEqual(base.first);
  // Indexes an unacknowledged call may have removed or overwritten: no promise about them.
  let loose = Infinity;
  for (const o of inflight) {
    if (o.kind === 'append') loose = Math.min(loose, o.entries[0]!.index);
    if (o.kind === 'truncate') loose = Math.min(loose, o.from);
  }
  const got = new Map(r.entries.map((e) => [e.index, e]));
  const floor = Math.max(first, (r.snapshot?.index ?? 0) + 1);
  for (const [i, e] of base.log) {
    if (i < floor || i >= loose) continue;
    expect(got.has(i) && sameEntry(got.get(i)!, e), `${label}: acknowledged entry ${i} lost or changed`).toBe(true);
  }
  const written = inflight.flatMap((o) => (o.kind === 'append' ? o.entries : []));
  for (const e of r.entries) {
    const ok = (base.log.has(e.index) && sameEntry(base.log.get(e.index)!, e)) || written.some((w) => sameEntry(w, e));
    expect(ok, `${label}: entry ${e.index}/${e.term} was never written there (or was removed)`).toBe(true);
  }
  return { log: got, first, hs: { ...r.hardState }, snap: r.snapshot };
}

function sameSnap(a: SnapshotMeta | null | undefined, b: SnapshotMeta | null): boolean {
  return (a ?? null) === null ? b === null : b !== null && a!.index === b.index && a!.term === b.term;
}
