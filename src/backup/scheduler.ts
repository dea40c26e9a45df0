// Scheduled backups in the node (serve --backup-schedule CRON --backup-dir DIR): at each time the
// cron expression names (croner), the member that leads then writes a backup of its own state
// machine into the directory, then applies the retention rules to that cluster's backups there.
// Only the leader runs one, so a schedule given to every member makes one backup per tick. What
// it reports for metrics and alerts: when the newest backup in the directory was taken (or when
// the schedule started, if there is none yet), the duration and size of the last one, the period.
import { Cron } from 'croner';
import type { Logger } from 'pino';
import type { StateMachine } from '../state/index.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { readCatalogAt } from './catalog.js';
import { type Place, placeOf } from './place.js';
import { s3Url } from './s3.js';
import { writeBackupFromStream } from './create.js';
import { type BackupKey, loadKeyFile } from './keys.js';
import { localBackupParts } from './local-source.js';
import { BackupPacer, type BackupPacing, pacedParts } from './pacer.js';
import { planRetention, type RetentionRules } from './retention.js';
import type { BackupWriteOptions } from './writer.js';

/** What to back up, when, where, and what to keep. */
export interface BackupScheduleOptions {
  /** A cron expression (5 or 6 fields; croner's syntax), in UTC. */
  cron: string;
  /** A directory, or s3://bucket/prefix. */
  dir: string;
  clusterId: string;
  memberId: string;
  keep?: RetentionRules;
  write?: BackupWriteOptions;
  /** Encrypt with the key in this file (read at start). */
  keyFile?: string;
  /** Yield to the node's foreground work as a Backup stream does (pacer.ts); absent: never. */
  pacing?: BackupPacing;
}

/** The outcome of one scheduled run. */
export interface ScheduledRun {
  ok: boolean;
  atMs: number;
  seconds: number;
  path?: string;
  revision?: number;
  bytes?: number;
  removed?: number;
  error?: string;
}

/** What Status and the metrics show. */
export interface ScheduleStatus {
  last: ScheduledRun | null;
  /** Creation time of the newest backup of this cluster in the directory, or when the schedule started. */
  lastSuccessMs: number;
  periodSeconds: number;
  nextAtMs: number | null;
}

/** Checks a cron expression; returns why it is not one, or null. */
export function cronProblem(expr: string): string | null {
  try {
    new Cron(expr, { paused: true, timezone: 'Etc/UTC' }).stop();
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Runs backups on a schedule while this member leads. */
export class BackupScheduler {
  private cron: Cron | null = null;
  private last: ScheduledRun | null = null;
  private lastSuccessMs: number;
  private running: Promise<ScheduledRun | null> | null = null;
  private key: BackupKey | null = null;
  private place!: Place;

  constructor(
    private readonly o: BackupScheduleOptions,
    private readonly sm: StateMachine,
    private readonly isLeader: () => boolean,
    private readonly log: Pick<Logger, 'info' | 'warn' | 'error'>,
  ) {
    this.lastSuccessMs = Date.now();
  }

  /** Starts the schedule; learns the newest existing backup's time first. */
  async start(): Promise<void> {
    this.place = await placeOf(this.o.dir);
    if (this.o.keyFile) this.key = await loadKeyFile(this.o.keyFile);
    this.lastSuccessMs = (await this.newestBackupMs()) ?? Date.now();
    this.cron = new Cron(this.o.cron, { timezone: 'Etc/UTC', protect: true }, () => void this.runNow());
  }

  /** Stops the schedule; a backup under way finishes first. */
  async stop(): Promise<void> {
    this.cron?.stop();
    await this.running;
  }

  /** One scheduled run now (null when this member does not lead, or one is under way already). */
  runNow(): Promise<ScheduledRun | null> {
    if (this.running || !this.isLeader()) return this.running ?? Promise.resolve(null);
    this.running = this.run().finally(() => (this.running = null));
    return this.running;
  }

  /** For Status and the metrics. */
  status(): ScheduleStatus {
    const next = this.cron?.nextRuns(2) ?? [];
    const periodSeconds = next.length === 2 ? (next[1]!.getTime() - next[0]!.getTime()) / 1000 : 0;
    return { last: this.last, lastSuccessMs: this.lastSuccessMs, periodSeconds, nextAtMs: next[0]?.getTime() ?? null };
  }

  private async run(): Promise<ScheduledRun> {
    const t0 = performance.now();
    const atMs = Date.now();
    // An s3:// destination gets the file once complete and checked: it is written locally first.
    const staging = this.place.s3 ? await mkdtemp(join(tmpdir(), 'raftdb-backup-staging-')) : null;
    try {
      // The leader runs it: its reading and compression wait while the node's event loop is late.
      const pacer = this.o.pacing ? new BackupPacer(this.o.pacing) : null;
      const parts = pacedParts(localBackupParts(this.sm, { clusterId: this.o.clusterId, memberId: this.o.memberId, messageBytes: 1024 * 1024 }), pacer, new AbortController().signal);
      const w = await writeBackupFromStream(parts, staging ?? this.o.dir, { ...this.o.write, ...(this.key ? { key: this.key } : {}) });
      let path = w.path;
      if (this.place.s3) {
        await this.place.s3.upload(w.path, basename(w.path));
        path = s3Url(this.place.s3.loc, basename(w.path));
      }
      const removed = await this.prune();
      this.lastSuccessMs = w.manifest.createdAtMs;
      this.last = { ok: true, atMs, seconds: (performance.now() - t0) / 1000, path, revision: w.manifest.revision, bytes: w.bytes, removed };
      this.log.info({ path, revision: w.manifest.revision, bytes: w.bytes, removed, pauses: pacer?.stats.pauses ?? 0, pausedMs: Math.round(pacer?.stats.pausedMs ?? 0) }, 'scheduled backup written');
    } catch (err) {
      this.last = { ok: false, atMs, seconds: (performance.now() - t0) / 1000, error: (err as Error).message };
      this.log.error({ err: (err as Error).message, dir: this.o.dir }, 'scheduled backup failed');
    } finally {
      if (staging) await rm(staging, { recursive: true, force: true });
    }
    return this.last;
  }

  /** Applies the retention rules to this cluster's backups in the directory; returns how many it removed. */
  private async prune(): Promise<number> {
    const k = this.o.keep ?? {};
    if (!(k.keepLast || k.keepDaily || k.keepWeekly)) return 0;
    const { entries } = await readCatalogAt(this.place.source);
    const ours = entries.flatMap((e) => (e.ok && e.manifest.clusterId === this.o.clusterId ? [{ name: e.name, path: e.path, createdAtMs: e.manifest.createdAtMs, revision: e.manifest.revision }] : []));
    const doomed = planRetention(ours, k).filter((d) => !d.keep);
    for (const d of doomed) await this.place.remove(d.item.path);
    return doomed.length;
  }

  private async newestBackupMs(): Promise<number | null> {
    const { entries } = await readCatalogAt(this.place.source).catch((err: unknown) => {
      // Counted as no backup yet, so one is taken now; the write itself then says what is wrong.
      this.log.warn({ err: (err as Error).message, dir: this.o.dir }, 'could not list the backups to find the newest');
      return { entries: [] };
    });
    const times = entries.flatMap((e) => (e.ok && e.manifest.clusterId === this.o.clusterId ? [e.manifest.createdAtMs] : []));
    return times.length > 0 ? Math.max(...times) : null;
  }
}
