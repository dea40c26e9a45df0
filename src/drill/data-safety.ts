// The data-safety drills (`raftdb drill --scenario disaster|mistake`), on node processes:
// - disaster: writers record every acknowledged write (unique keys) with its revision and time;
//   archiving is on (a directory shared by the members); a full backup is taken in the middle;
//   then, while the writers go on, every node is killed and its data directory destroyed; a new
//   cluster is restored from the backup and the archive. Every write acknowledged at or below the last archived revision
//   must be there with its value. Reports RTO (destroy -> restored cluster serving a write) and
//   RPO (acknowledged writes lost, and the seconds of acknowledgements they span).
// - mistake: a `del --prefix` by mistake in the middle of the load; a point-in-time restore to the
//   revision just before it must hold every acknowledged key of the prefix with its value, and
//   nothing written after the delete.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backupFromCluster, restoreDataDir } from '../backup/index.js';
import { type RaftdbClient, connect } from '../client/index.js';
import { LocalCluster, freePorts } from '../cluster/local-cluster.js';
import { readClusterId } from '../server/index.js';

/** What to run. */
export interface DataSafetyOptions {
  scenario: 'disaster' | 'mistake';
  durationS: number;
  clients: number;
  log: (line: string) => void;
  keepData?: boolean;
}

/** What a drill found. */
export interface DataSafetyReport {
  scenario: 'disaster' | 'mistake';
  pass: boolean;
  problems: string[];
  acknowledged: number;
  backupRevision: number;
  /** disaster: the last archived revision when the cluster was destroyed; mistake: the revision restored to. */
  restoredRevision: number;
  /** Acknowledged writes at or below the restored revision that the restored cluster holds (should be all). */
  present: number;
  /** Acknowledged writes above it: lost (disaster) or correctly absent (mistake). */
  beyond: number;
  /** disaster: seconds from destroying the data to the restored cluster acknowledging a write. */
  rtoSeconds: number | null;
  /** disaster: seconds between the last acknowledgement kept and the last one made. */
  rpoSeconds: number | null;
}

interface Ack {
  key: string;
  value: string;
  revision: number;
  atMs: number;
}

/** Runs one data-safety drill in a temporary directory (removed unless keepData). */
export async function runDataSafetyDrill(o: DataSafetyOptions): Promise<DataSafetyReport> {
  const dir = mkdtempSync(join(tmpdir(), `raftdb-drill-${o.scenario}-`));
  const archive = join(dir, 'archive');
  const start = (sub: string, ports: number[], clusterId: string): Promise<LocalCluster> =>
    LocalCluster.start({ nodes: 3, dir: join(dir, sub), ports, httpPorts: null, clusterId, logLevel: 'warn', extraArgs: ['--archive-dir', archive, '--archive-segment-ms', '500'] });
  let old: LocalCluster | null = null;
  let fresh: LocalCluster | null = null;
  const clients: RaftdbClient[] = [];
  try {
    old = await start('old', await freePorts(3), `drill-${o.scenario}`);
    if (!(await old.waitForLeader(30_000))) throw new Error('no leader');
    const client = connect({ endpoints: old.endpoints, timeoutMs: 10_000 });
    clients.push(client);
    const acks: Ack[] = [];
    let stop = false;
    const loops = Array.from({ length: o.clients }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        const key = `drill/${w}/${String(i).padStart(7, '0')}`;
        const value = `v${w}.${i}`;
        try {
          const r = await client.put(key, value);
          acks.push({ key, value, revision: r.header.revision, atMs: Date.now() });
        } catch {
          await new Promise((r) => setTimeout(r, 10));
        }
      }
    });
    const half = (o.durationS * 1000) / 2;
    await new Promise((r) => setTimeout(r, half));
    const backup = await backupFromCluster(client, join(dir, 'backups'));
    o.log(`backup at revision ${backup.manifest.revision} from ${backup.manifest.memberId}`);
    let mistake: { revision: number; atMs: number } | null = null;
    if (o.scenario === 'mistake') {
      await new Promise((r) => setTimeout(r, half / 2));
      const del = await client.delete({ key: 'drill/0/', prefix: true });
      mistake = { revision: del.header.revision, atMs: Date.now() };
      o.log(`deleted ${del.deleted} keys under drill/0/ by mistake at revision ${mistake.revision}`);
      await new Promise((r) => setTimeout(r, half / 2));
    } else {
      await new Promise((r) => setTimeout(r, half));
    }
    const stopWriters = async (): Promise<void> => {
      stop = true;
      await Promise.all(loops);
    };
    // A disaster strikes while clients write; a mistake is found after the writers stopped.
    if (o.scenario === 'mistake') await stopWriters();
    const report = o.scenario === 'disaster'
      ? await disaster(o, old, dir, archive, backup.path, acks, stopWriters, (c) => (fresh = c))
      : await pointInTime(o, dir, archive, backup.path, acks, mistake!);
    return { ...report, backupRevision: backup.manifest.revision };
  } finally {
    for (const c of clients) c.close();
    await (fresh as LocalCluster | null)?.stop(10_000);
    await old?.stop(10_000);
    if (!o.keepData) rmSync(dir, { recursive: true, force: true });
    else o.log(`data kept in ${dir}`);
  }
}

/** Destroys every node, restores a new cluster from backup + archive, checks and times it. */
async function disaster(
  o: DataSafetyOptions,
  old: LocalCluster,
  dir: string,
  archive: string,
  backupPath: string,
  acks: Ack[],
  stopWriters: () => Promise<void>,
  started: (c: LocalCluster) => void,
): Promise<Omit<DataSafetyReport, 'backupRevision'>> {
  // Under load, at once: whatever the archive had not written yet is what the disaster costs.
  const destroyedAt = Date.now();
  await Promise.all(old.nodes.map((n) => old.kill(n.id, 'SIGKILL')));
  await stopWriters();
  for (const n of old.nodes) rmSync(n.dataDir, { recursive: true, force: true });
  o.log(`every node killed under load and its data directory removed; ${acks.length} writes were acknowledged`);
  const ports = await freePorts(3);
  const initial = new Map(['n1', 'n2', 'n3'].map((id, i) => [id, `127.0.0.1:${ports[i]}`]));
  let restoredRevision = 0;
  for (const id of initial.keys()) {
    const r = await restoreDataDir({ from: backupPath, dataDir: join(dir, 'new', id), name: id, initialCluster: initial, pointInTime: { archiveDir: archive } });
    restoredRevision = r.pointInTime?.revision ?? r.manifest.revision;
  }
  const fresh = await LocalCluster.start({ nodes: 3, dir: join(dir, 'new'), ports, httpPorts: null, clusterId: await readId(join(dir, 'new', 'n1')), logLevel: 'warn' });
  started(fresh);
  const client = connect({ endpoints: fresh.endpoints, timeoutMs: 30_000 });
  try {
    await client.put('drill/after-restore', 'x');
    const rtoSeconds = (Date.now() - destroyedAt) / 1000;
    const { present, missing, beyond } = await check(client, acks, restoredRevision);
    const kept = acks.filter((a) => a.revision <= restoredRevision);
    const lastKept = kept.reduce((m, a) => Math.max(m, a.atMs), 0);
    const lastAck = acks.reduce((m, a) => Math.max(m, a.atMs), 0);
    const problems = missing.length > 0 ? [`${missing.length} acknowledged writes at or below revision ${restoredRevision} are missing or wrong (e.g. ${missing.slice(0, 3).join(', ')})`] : [];
    return { scenario: 'disaster', pass: problems.length === 0, problems, acknowledged: acks.length, restoredRevision, present, beyond, rtoSeconds, rpoSeconds: (lastAck - lastKept) / 1000 };
  } finally {
    client.close();
  }
}

/** Restores to the revision before the mistaken delete; every key of the prefix must be back. */
async function pointInTime(
  o: DataSafetyOptions,
  dir: string,
  archive: string,
  backupPath: string,
  acks: Ack[],
  mistake: { revision: number },
): Promise<Omit<DataSafetyReport, 'backupRevision'>> {
  // The archive must hold the delete's revision before the restore can go to the one before it.
  await new Promise((r) => setTimeout(r, 1500));
  const to = mistake.revision - 1;
  const ports = await freePorts(3);
  const initial = new Map(['n1', 'n2', 'n3'].map((id, i) => [id, `127.0.0.1:${ports[i]}`]));
  for (const id of initial.keys()) await restoreDataDir({ from: backupPath, dataDir: join(dir, 'pitr', id), name: id, initialCluster: initial, pointInTime: { archiveDir: archive, toRevision: to } });
  o.log(`restored a new cluster to revision ${to}`);
  const fresh = await LocalCluster.start({ nodes: 3, dir: join(dir, 'pitr'), ports, httpPorts: null, clusterId: await readId(join(dir, 'pitr', 'n1')), logLevel: 'warn' });
  const client = connect({ endpoints: fresh.endpoints, timeoutMs: 30_000 });
  try {
    const { present, missing, beyond, unexpected } = await check(client, acks, to);
    const prefixBack = acks.filter((a) => a.key.startsWith('drill/0/') && a.revision <= to).length;
    const problems = [
      ...(missing.length > 0 ? [`${missing.length} acknowledged writes before the mistake are missing or wrong (e.g. ${missing.slice(0, 3).join(', ')})`] : []),
      ...(unexpected.length > 0 ? [`${unexpected.length} writes made after revision ${to} are in the restored cluster (e.g. ${unexpected.slice(0, 3).join(', ')})`] : []),
      ...(prefixBack === 0 ? ['no key of the deleted prefix was acknowledged before the mistake: the drill checked nothing'] : []),
    ];
    o.log(`${prefixBack} keys of the deleted prefix are back`);
    return { scenario: 'mistake', pass: problems.length === 0, problems, acknowledged: acks.length, restoredRevision: to, present, beyond, rtoSeconds: null, rpoSeconds: null };
  } finally {
    client.close();
    await fresh.stop(10_000);
  }
}

/** Which acknowledged writes the restored cluster holds, by revision. */
async function check(client: RaftdbClient, acks: Ack[], revision: number): Promise<{ present: number; missing: string[]; beyond: number; unexpected: string[] }> {
  const stored = new Map<string, string>();
  for await (const page of client.rangeAll({ key: 'drill/', prefix: true, pageSize: 5000 })) for (const kv of page.kvs) stored.set(kv.keyString(), kv.valueString());
  const missing: string[] = [];
  const unexpected: string[] = [];
  let present = 0;
  for (const a of acks) {
    if (a.revision <= revision) {
      if (stored.get(a.key) === a.value) present++;
      else missing.push(a.key);
    } else if (stored.has(a.key)) unexpected.push(a.key);
  }
  return { present, missing, beyond: acks.filter((a) => a.revision > revision).length, unexpected };
}

async function readId(dataDir: string): Promise<string> {
  const id = await readClusterId(dataDir);
  if (!id) throw new Error(`${dataDir} records no cluster id`);
  return id;
}

/** The report as text. */
export function formatDataSafetyReport(r: DataSafetyReport): string {
  const lines = [
    `scenario ${r.scenario}: ${r.pass ? 'PASS' : 'FAIL'}`,
    `  acknowledged writes: ${r.acknowledged}; backup at revision ${r.backupRevision}; restored to revision ${r.restoredRevision}`,
    `  present: ${r.present} of the ${r.acknowledged - r.beyond} acknowledged at or below it; ${r.beyond} acknowledged after it (${r.scenario === 'disaster' ? 'lost' : 'absent, as they should be'})`,
  ];
  if (r.rtoSeconds !== null) lines.push(`  RTO ${r.rtoSeconds.toFixed(1)} s (data destroyed -> restored cluster acknowledging a write)`);
  if (r.rpoSeconds !== null) lines.push(`  RPO ${r.beyond} acknowledged writes, ${r.rpoSeconds.toFixed(2)} s of acknowledgements`);
  for (const p of r.problems) lines.push(`  problem: ${p}`);
  return `${lines.join('\n')}\n`;
}
