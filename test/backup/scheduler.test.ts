// Scheduled backups (src/backup/scheduler.ts) on three in-process nodes sharing one backup
// directory with a schedule every second: only the leader writes them, each verifies, retention
// keeps the newest 2, Status shows the last one on the leader, the metrics carry the newest
// backup's time and the period; a follower's runNow() does nothing. Serve refuses bad flags.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cronProblem } from '../../src/backup/scheduler.js';
import { verifyBackup } from '../../src/backup/index.js';
import { readCatalog } from '../../src/backup/catalog.js';
import { connect } from '../../src/client/index.js';
import { serveOptions } from '../../src/cli/node.js';
import { eventually } from '../integration/fixtures/load.js';
import { InProcessCluster } from '../integration/in-process.js';
import { cleanup, tempDir } from '../state/helpers.js';

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
