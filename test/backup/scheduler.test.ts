// Scheduled backups (src/backup/scheduler.ts) on three in-process nodes sharing one backup
// directory with a schedule every second: only the leader writes them, each verifies, retention
// keeps the newest 2, Status shows the last one on the leader, the metrics carry the newest
// backup's time and the period; a follower's runNow() does nothing. Serve refuses bad flags. A run
// waits while the node's event loop is late (src/backup/pacer.ts).
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BackupScheduler, cronProblem } from '../../src/backup/scheduler.js';
import { verifyBackup } from '../../src/backup/index.js';
import { readCatalog } from '../../src/backup/catalog.js';
import { connect } from '../../src/client/index.js';
import { serveOptions } from '../../src/cli/node.js';
import { eventually } from '../integration/fixtures/load.js';
import { InProcessCluster } from '../integration/in-process.js';
import { StateMachine } from '../../src/state/index.js';
import { b, cleanup, entry, tempDir } from '../state/helpers.js';

describe('scheduled backups', () => {
  let cluster: InProcessCluster | undefined;
  let dir = '';
  afterAll(async () => {
    await cluster?.close();
    await cleanup(dir);
  });

  it('the leader writes one per tick into the shared directory, retention keeps the newest 2', async () => {
    dir = await tempDir();
    const backups = join(dir, 'backups');
    cluster = await InProcessCluster.start(3, { backupSchedule: { cron: '* * * * * *', dir: backups, keep: { keepLast: 2 } } });
    const leader = await cluster.leader();
    const client = connect({ endpoints: cluster.endpoints() });
    try {
      for (let i = 0; i < 50; i++) await client.put(`k/${i}`, `v${i}`);
      // Several ticks: files come and go, never more than 2 (plus one being written).
      const seen = new Set<string>();
      const enough = await eventually(async () => {
        for (const n of await readdir(backups).catch(() => [])) if (n.endsWith('.rdbk')) seen.add(n);
        return seen.size >= 4;
      }, 20_000, 200);
      expect(enough).toBe(true);
      await new Promise((r) => setTimeout(r, 300));
      const { entries } = await readCatalog(backups);
      const ok = entries.filter((e) => e.ok);
      expect(ok.length).toBeGreaterThanOrEqual(1);
      expect(ok.length).toBeLessThanOrEqual(3);
      // Every backup was written by the leader, and verifies.
      for (const e of ok) if (e.ok) expect(e.manifest.memberId).toBe(leader.id);
      const v = await verifyBackup(ok[0]!.path);
      expect(v.keys).toBeGreaterThanOrEqual(50);
      const st = await client.cluster.status({ endpoint: cluster.peers.get(leader.id)! });
      expect(st.lastBackupAtMs).toBeGreaterThan(0);
      expect(st.lastBackupError).toBe('');
      expect(st.lastBackupRevision).toBeGreaterThanOrEqual(50);
      const follower = [...cluster.peers.keys()].find((id) => id !== leader.id)!;
      expect((await client.cluster.status({ endpoint: cluster.peers.get(follower)! })).lastBackupAtMs).toBe(0);
    } finally {
      client.close();
    }
  });

  it('a run waits while the event loop is late and completes once it is on time', async () => {
    const d = await tempDir();
    const sm = await StateMachine.open(join(d, 'state'));
    const silent = { info: () => {}, warn: () => {}, error: () => {} };
    const loop = { lateMs: 200 };
    // 8 MiB of values: eight 1 MiB messages of the scheduler's stream.
    await sm.apply(Array.from({ length: 32 }, (_, i) => entry(i + 1, { type: 'put', key: b(`k/${i}`), value: Buffer.alloc(256 * 1024, i) })));
    const pacing = { loopDelayMs: () => loop.lateMs, lateMs: 10, checkMs: 20, maxPauseMs: 60_000 };
    const s = new BackupScheduler({ cron: '0 0 1 1 *', dir: join(d, 'backups'), clusterId: 'c', memberId: 'n1', pacing }, sm, () => true, silent);
    try {
      await s.start();
      let finished = false;
      const run = s.runNow().then((r) => ((finished = true), r));
      await new Promise((r) => setTimeout(r, 800));
      expect(finished).toBe(false);
      loop.lateMs = 0;
      expect(await run).toMatchObject({ ok: true, revision: 32 });
    } finally {
      await s.stop();
      await sm.close();
      await cleanup(d);
    }
  });

  it('serve refuses an invalid schedule and flags without a schedule', () => {
    const base = { id: 'n1', listen: '127.0.0.1:7001', dataDir: '/tmp/x' };
    expect(cronProblem('0 */6 * * *')).toBeNull();
    expect(cronProblem('61 * * * *')).not.toBeNull();
    expect(() => serveOptions({ ...base, backupSchedule: 'every hour', backupDir: '/b' })).toThrow(/is not a cron expression/);
    expect(() => serveOptions({ ...base, backupSchedule: '0 * * * *' })).toThrow(/needs --backup-dir/);
    expect(() => serveOptions({ ...base, backupDir: '/b' })).toThrow(/need --backup-schedule/);
    expect(serveOptions({ ...base, backupSchedule: '0 */6 * * *', backupDir: '/b', backupKeepLast: '4', backupKeepWeekly: '8' }).backupSchedule).toEqual({
      cron: '0 */6 * * *',
      dir: '/b',
      keep: { keepLast: 4, keepWeekly: 8 },
    });
  });
});
