// The storage quota's monitor (src/server/quota.ts, backend-size.ts) on a real directory standing
// in for LevelDB's: table files written by the test as a compaction writes them, and the bytes of
// LevelDB's current tables given by the test. Only a write raises the NOSPACE alarm (as in
// etcd): a measurement past the quota alone raises nothing. Tables a compaction replaced (kept by
// LevelDB for an open iterator) are not counted, and LevelDB is asked to delete them when they
// are many; a table still being written counts at the size it reaches.
import * as grpc from '@grpc/grpc-js';
import { appendFile, rm, truncate, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QuotaMonitor } from '../../src/server/quota.js';
import type { AlarmMember, ApplyResult, Command } from '../../src/state/index.js';
import { b, cleanup, entry, tempDir } from '../state/helpers.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const QUOTA_BYTES = 16 * KiB;

let dir: string;
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await cleanup(dir);
});

interface Scripted {
  /** The bytes of LevelDB's current tables; null: the binding cannot tell. */
  live?: () => { bytes: number; errorBytes: number } | null;
  /** What releasing the obsolete tables does; false: LevelDB could not now. */
  release?: () => Promise<boolean | void>;
}

/** A monitor of `dir` whose alarm raising and obsolete-table release the test sees (and scripts). */
function monitor({ live = () => null, release = async () => {} }: Scripted = {}): { q: QuotaMonitor; raised: () => number; releases: () => number } {
  const active: AlarmMember[] = [];
  let raised = 0;
  let releases = 0;
  const q = new QuotaMonitor({
    id: 'n1',
    dir,
    quotaBytes: QUOTA_BYTES,
    intervalMs: 1000,
    log: pino({ level: 'silent' }),
    alarms: () => active,
    noSpace: () => active.some((a) => a.alarm === 'NOSPACE'),
    raise: async () => {
      raised++;
      active.push({ memberId: 'n1', alarm: 'NOSPACE' });
    },
    liveTables: live,
    releaseObsolete: async () => {
      releases++;
      return (await release()) !== false;
    },
  });
  return { q, raised: () => raised, releases: () => releases };
}

const table = (n: number): string => join(dir, `${String(n).padStart(6, '0')}.ldb`);
/** A table file of `bytes` that takes no disk (sparse). */
async function sparseTable(n: number, bytes: number): Promise<void> {
  await writeFile(table(n), '');
  await truncate(table(n), bytes);
}
const put: Command = { type: 'put', key: b('k'), value: Buffer.alloc(100) };
const applied = (index: number, result: ApplyResult['result'], duplicate = false): ApplyResult => ({ index, result, duplicate });
/** Lets the alarm's raise (a promise) run. */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('QuotaMonitor', () => {
  it('raises no alarm when a measurement alone finds the directory past the quota (a defragment writing its new tables)', async () => {
    const { q, raised } = monitor();
    await writeFile(table(5), Buffer.alloc(10 * KiB));
    await q.measure();
    expect(q.backendBytes()).toBe(10 * KiB);
    // The compaction wrote the new tables; the old one is not deleted yet.
    await writeFile(table(7), Buffer.alloc(9 * KiB));
    await q.measure();
    await settle();
    expect(q.backendBytes()).toBe(19 * KiB);
    expect(raised()).toBe(0);
  });

  it('raises the alarm when a write is applied past the quota, not for entries that store nothing', async () => {
    const { q, raised } = monitor();
    await writeFile(table(5), Buffer.alloc(17 * KiB));
    await q.measure();
    q.onApplied([entry(1, { type: 'compact', revision: 3 })], [applied(1, { type: 'compact', revision: 3, compacted: 3 })]);
    q.onApplied([entry(2, put)], [applied(2, { type: 'put', revision: 4 }, true)]); // a retry answered from the dedupe table
    q.onApplied([entry(3, { type: 'txn', compare: [], success: [], failure: [] })], [applied(3, { type: 'txn', revision: 4, succeeded: true, responses: [{ type: 'delete', deleted: 1 }] })]);
    await settle();
    expect(raised()).toBe(0);
    q.onApplied([entry(4, put)], [applied(4, { type: 'put', revision: 5 })]);
    await settle();
    expect(raised()).toBe(1);
    expect(q.ownAlarm()).toBe(true);
  });

  it('raises the alarm for a write applied under the last measurement but past the quota with the bytes applied since', async () => {
    const { q, raised } = monitor();
    await writeFile(table(5), Buffer.alloc(15 * KiB));
    await q.measure();
    const big: Command = { type: 'put', key: b('k'), value: Buffer.alloc(KiB) }; // counted twice: the record and its history
    q.onApplied([entry(1, big)], [applied(1, { type: 'put', revision: 2 })]);
    await settle();
    expect(raised()).toBe(1);
  });

  it('refuses and raises for a write the leader admits only past the quota', async () => {
    const { q, raised } = monitor();
    await writeFile(table(5), Buffer.alloc(15 * KiB));
    await q.measure();
    expect(() => q.admit(put, 100)).not.toThrow();
    expect(() => q.admit(put, 2 * KiB)).toThrow(expect.objectContaining({ code: grpc.status.RESOURCE_EXHAUSTED }));
    await settle();
    expect(raised()).toBe(1);
    expect(() => q.admit(put, 100)).toThrow(/NOSPACE alarm is active \(raised by n1\)/);
    expect(() => q.admit({ type: 'delete', key: b('k') }, 100)).not.toThrow();
  });

  it('counts no more table bytes than the current LevelDB version holds (not the tables a compaction replaced)', async () => {
    const { q, raised } = monitor({ live: () => ({ bytes: 9 * KiB, errorBytes: 0 }) });
    await writeFile(table(5), Buffer.alloc(10 * KiB)); // replaced, kept for an open iterator
    await writeFile(table(7), Buffer.alloc(9 * KiB));
    await writeFile(join(dir, '000008.log'), Buffer.alloc(KiB));
    await writeFile(join(dir, 'MANIFEST-000002'), Buffer.alloc(100));
    await q.measure();
    expect(q.backendBytes()).toBe(9 * KiB + KiB + 100);
    expect(raised()).toBe(0);
  });

  it('has LevelDB delete the tables it replaced when they are many, at most once in 10 measurements', async () => {
    const { q, releases } = monitor({ live: () => ({ bytes: MiB, errorBytes: 0 }), release: () => rm(table(5), { force: true }) });
    await sparseTable(7, MiB);
    await sparseTable(5, 15 * MiB); // few: left to LevelDB's next compaction
    await q.measure();
    expect(releases()).toBe(0);
    await sparseTable(5, 40 * MiB);
    await q.measure();
    expect(releases()).toBe(1);
    await expect(appendFile(table(5), 'x', { flag: 'r+' })).rejects.toThrow(/ENOENT/);
    expect(q.backendBytes()).toBe(MiB);
    await sparseTable(5, 40 * MiB);
    for (let i = 0; i < 9; i++) await q.measure();
    expect(releases()).toBe(1);
    await q.measure();
    expect(releases()).toBe(2);
    expect(q.backendBytes()).toBe(MiB);
  });

  it('asks again at the next measurement when LevelDB could not delete its replaced tables then (a defragment running)', async () => {
    let running = true;
    const { q, releases } = monitor({ live: () => ({ bytes: MiB, errorBytes: 0 }), release: async () => !running });
    await sparseTable(7, MiB);
    await sparseTable(5, 40 * MiB);
    await q.measure();
    expect(releases()).toBe(1);
    running = false;
    await q.measure();
    expect(releases()).toBe(2);
    await q.measure();
    expect(releases()).toBe(2);
  });

  it('counts a table file still being written at the size it reaches, and stops stat-ing it once finished', async () => {
    const { q } = monitor();
    await writeFile(table(5), Buffer.alloc(KiB));
    await q.measure();
    expect(q.backendBytes()).toBe(KiB);
    await appendFile(table(5), Buffer.alloc(3 * KiB));
    await q.measure();
    await q.measure(); // back to back: the same size twice does not make it finished
    expect(q.backendBytes()).toBe(4 * KiB);
    await appendFile(table(5), Buffer.alloc(KiB));
    await q.measure();
    expect(q.backendBytes()).toBe(5 * KiB);
    // Last modified a minute ago: finished, its size kept (what is stat'ed no longer matters).
    const past = new Date(Date.now() - 60_000);
    await utimes(table(5), past, past);
    await q.measure();
    await appendFile(table(5), Buffer.alloc(KiB)); // a table never changes: this only shows it is not stat'ed again
    await q.measure();
    expect(q.backendBytes()).toBe(5 * KiB);
    await rm(table(5));
    await q.measure();
    expect(q.backendBytes()).toBe(0);
  });
});
