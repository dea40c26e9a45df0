// The storage quota with real processes and a small quota (4 MiB): writes fill the state machine
// until a member raises its NOSPACE alarm through the log; then every write that adds data is
// refused with RESOURCE_EXHAUSTED "database space exceeded" on every node (before it is
// proposed), while reads, deletes, txns without puts and compaction work; the alarm shows in
// status and in the CLI; after deleting, compacting and defragmenting, `raftdb alarm disarm`
// clears it and writes work again (and the alarm does not come back).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RaftdbClient, RaftdbError } from '../../src/client/index.js';
import { logTailsOnFailure, MAIN, ProcessCluster } from './process-cluster.js';

const QUOTA_BYTES = 4 * 1024 * 1024;
/** Incompressible, as LevelDB compresses its tables: 64 KiB of random bytes per value. */
const VALUE_BYTES = 64 * 1024;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function code(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
    return { code: 'OK', message: '' };
  } catch (e) {
    return { code: (e as RaftdbError).code, message: (e as RaftdbError).message };
  }
}

describe('storage quota (4 MiB) and the NOSPACE alarm', () => {
  let cluster: ProcessCluster | undefined;
  let client: RaftdbClient;
  const cli = async (...args: string[]): Promise<string> =>
    (await promisify(execFile)(process.execPath, [MAIN, ...args, '--endpoints', cluster!.endpoints().join(',')])).stdout;
  beforeAll(async () => {
    cluster = await ProcessCluster.start({ nodes: 3, extraArgs: ['--quota-backend-bytes', String(QUOTA_BYTES)] });
    client = cluster.client({ retry: { maxAttempts: 2 } });
  }, 60_000);
  afterAll(async () => cluster?.close());
  logTailsOnFailure(() => cluster);

  test('alarm raised, writes refused, reads and deletes work, disarm after freeing space, writes again', async () => {
    const c = cluster!;
    await client.put('small', 'x'); // deleted later: a small change after the big delete
    // Fill: 64 KiB values until a write is refused (each takes ~128 KiB: the record and its history).
    let written = 0;
    let refused: { code: string; message: string } | null = null;
    for (let i = 0; i < 400 && !refused; i++) {
      const r = await code(client.put(`fill/${String(i).padStart(4, '0')}`, randomBytes(VALUE_BYTES)));
      if (r.code === 'OK') written++;
      else refused = r;
    }
    expect(refused, `no write refused after ${written} puts of 64 KiB`).not.toBeNull();
    expect(refused!.code).toBe('RESOURCE_EXHAUSTED');
    expect(refused!.message).toContain('database space exceeded');
    console.log(`[quota] ${written} puts of 64 KiB before the first refusal: ${refused!.message}`);

    // The first refusal names the member that raised its alarm through the log: the leader,
    // refusing a write that would take it past the quota, or a member that applied a write past
    // its own quota first (its alarm is then what the leader refuses by). The others raise theirs
    // when a write they apply finds their own backend past the quota (the same data, but LevelDB
    // compacts on its own schedule, so a follower can stay a few KiB under it: CI saw only the
    // refusing member's alarm after 10 s).
    // The alarms are in the replicated state: every node lists them, and shows them in Status.
    const named = /this write would take (n\d+)'s storage|NOSPACE alarm is active \(raised by (n\d+)/.exec(refused!.message);
    const refuser = named?.[1] ?? named?.[2];
    expect(refuser, refused!.message).toBeDefined();
    let alarms: { memberId: string; alarm: string }[] = [];
    for (let i = 0; i < 100 && alarms.length < 3; i++, await sleep(100)) alarms = (await client.cluster.alarmList()).alarms;
    const raised = alarms.map((a) => `${a.memberId}:${a.alarm}`);
    expect(raised).toContain(`${refuser}:NOSPACE`);
    expect(raised.every((a) => /^n\d:NOSPACE$/.test(a))).toBe(true);
    for (const id of c.nodes.keys()) {
      const s = await c.status(id, 3000);
      expect(s?.alarms.some((a) => a.includes('NOSPACE')), `${id} status alarms: ${JSON.stringify(s?.alarms)}`).toBe(true);
      expect(s!.quotaBackendBytes).toBe(QUOTA_BYTES);
    }
    expect(await cli('alarm', 'list')).toMatch(/NOSPACE/);
    expect(await cli('status')).toMatch(/ALARM .*NOSPACE/);

    // Writes that add data are refused on every node (a follower forwards to the leader, which refuses).
    for (const id of c.nodes.keys()) {
      const one = c.client({ endpoints: c.endpoints([id]), retry: { maxAttempts: 1 } });
      const put = await code(one.put('after-alarm', 'x'));
      expect(put.code, `put via ${id}`).toBe('RESOURCE_EXHAUSTED');
      expect(put.message).toContain('database space exceeded');
      const txn = await code(one.txn({ success: [{ type: 'put', key: 'after-alarm', value: 'x' }] }));
      expect(txn.code, `txn with a put via ${id}`).toBe('RESOURCE_EXHAUSTED');
    }
    // Reads, a txn without puts, deletes and compaction work.
    expect((await client.get('fill/0000')).kv?.value.length).toBe(VALUE_BYTES);
    expect((await client.get('fill/0001', { consistency: 'serializable' })).kv?.value.length).toBe(VALUE_BYTES);
    const check = await client.txn({ compare: [{ key: 'fill/0000', target: 'version', op: '>', number: 0 }], success: [{ type: 'delete', target: 'fill/0000' }] });
    expect(check.succeeded).toBe(true);
    const del = await client.delete({ key: 'fill/', prefix: true });
    expect(del.deleted).toBe(written - 1);

    // Free the space: drop the history (which still holds the deleted values: the delete's own
    // revision keeps them, so compact past it, after one more small change), defragment every
    // node, then disarm.
    expect((await client.delete('small')).deleted).toBe(1);
    expect((await client.cluster.compact()).compactRevision).toBeGreaterThan(written);
    const defrag = JSON.parse(await cli('defrag', '--json')) as { endpoint: string; beforeBytes: number; afterBytes: number }[];
    console.log(`[quota] defrag: ${defrag.map((d) => `${d.endpoint} ${d.beforeBytes} -> ${d.afterBytes}`).join(', ')}`);
    for (const d of defrag) expect(d.afterBytes).toBeLessThan(QUOTA_BYTES / 2);
    const disarmed = JSON.parse(await cli('alarm', 'disarm', '--json')) as { disarmed: unknown[]; alarms: unknown[] };
    // Every alarm raised by now is disarmed: at least those listed above, and any a follower raised
    // since (its own backend passed the quota later: CI saw 3 disarmed after 1 was listed).
    expect(disarmed.disarmed.length).toBeGreaterThanOrEqual(alarms.length);
    expect(disarmed.disarmed.length).toBeLessThanOrEqual(c.nodes.size);
    expect(disarmed.alarms).toEqual([]);

    // Writes work again, and no member raises the alarm again (its size is below the quota now).
    await client.put('after-disarm', 'works');
    await sleep(2500); // more than two measurements on every member
    expect((await client.cluster.alarmList()).alarms).toEqual([]);
    await client.put('after-disarm-2', 'still works');
    expect(await client.getString('after-disarm-2')).toBe('still works');
  }, 120_000);
});
