// Continuous archiving (serve --archive-dir): the leader writes every applied revision, in order,
// into segment files of the archive directory (archive-format.ts), one segment every segmentMs
// (default 1 s) or segmentBytes of changes. It reads the revisions from its own watch history, which
// every member holds identically, so a new leader simply resumes after the last segment in the
// directory: nothing is lost with the old leader's unwritten second, and a revision archived twice
// (two leaders for a moment) is the same revision twice, which restore skips. The store must be
// shared by the members — an s3:// location, or a directory on a network file system — as a
// leader writes where the previous one stopped.
import type { Logger } from 'pino';
import { type AppliedBatch, type ArchivedRevision, CompactedError, type ChangesResult, type WatchEvent } from '../state/index.js';
import { encodeSegment, parseSegmentName, segmentName, type TimedRevision } from './archive-format.js';
import type { ArchiveStore } from './archive-store.js';
import type { BackupKey } from './keys.js';

/** What the archiver needs of the state machine. */
export interface ArchiveSource {
  onApplied(listener: (b: AppliedBatch) => void): () => void;
  changesSince(fromRevision: number, prefix?: Uint8Array, limit?: number): Promise<ChangesResult>;
  revision(): number;
}

/** Where and how often. */
export interface ArchiverOptions {
  /** Where segments go: a shared directory or an s3:// location (archive-store.ts). */
  store: ArchiveStore;
  clusterId: string;
  memberId: string;
  /** A segment is closed this often (ms) while there are changes; default 1000. */
  segmentMs?: number;
  /** ... or once it holds this many bytes of keys and values; default 16 MiB. */
  segmentBytes?: number;
  /** Encrypt each segment's body with this key (AES-256-GCM); its id goes in the header. */
  key?: BackupKey | null;
}

/** The archiver's position, for Status, metrics and logs. */
export interface ArchiveStatus {
  active: boolean;
  /** The last revision known to be in the archive (0: none yet). */
  lastArchivedRevision: number;
  /** How far behind the state machine the archive is, in seconds (0 when caught up). */
  lagSeconds: number;
  segmentsWritten: number;
  /** Revisions that could not be archived (not in this member's history when it took over). */
  gapRevisions: number;
  lastError: string | null;
}

const EVENTS_PER_READ = 1000;
/** Times of applied revisions kept for the archive's timestamps (older ones get the archiving time). */
const MAX_TIMED_REVISIONS = 200_000;

/** Archives the leader's applied revisions into a directory; start(), then stop() on shutdown. */
export class Archiver {
  private next = 0;
  private active = false;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private unsubscribe: (() => void) | null = null;
  /** revision -> when it was applied here and the last Raft index of its batch. */
  private readonly applied = new Map<number, { atMs: number; index: number }>();
  private readonly state: ArchiveStatus = { active: false, lastArchivedRevision: 0, lagSeconds: 0, segmentsWritten: 0, gapRevisions: 0, lastError: null };
  private readonly segmentMs: number;
  private readonly segmentBytes: number;

  constructor(
    private readonly o: ArchiverOptions,
    private readonly sm: ArchiveSource,
    private readonly isLeader: () => boolean,
    private readonly log: Pick<Logger, 'info' | 'warn' | 'error'>,
  ) {
    this.segmentMs = o.segmentMs ?? 1000;
    this.segmentBytes = o.segmentBytes ?? 16 * 1024 * 1024;
  }

  /** Starts watching applied batches and archiving while this member leads. */
  start(): void {
    this.unsubscribe = this.sm.onApplied((b) => {
      if (b.type !== 'applied') return;
      const atMs = Date.now();
      for (const e of b.events) if (!this.applied.has(e.kv.modRevision)) this.applied.set(e.kv.modRevision, { atMs, index: b.lastIndex });
      while (this.applied.size > MAX_TIMED_REVISIONS) this.applied.delete(this.applied.keys().next().value!);
    });
    this.timer = setInterval(() => void this.runOnce(), this.segmentMs);
  }

  /** One round now (or waits for the one under way): what the timer runs every segmentMs. */
  runOnce(): Promise<void> {
    this.running ??= this.tick().finally(() => (this.running = null));
    return this.running;
  }

  /** Stops; a segment being written is finished first. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.unsubscribe?.();
    await this.running;
  }

  /**
   * Where the archive stands. The lag is measured now, not at the last round: the time since the
   * oldest revision applied here and not yet archived (a round catches up, so a lag taken right
   * after one would always read about 0 and hide a segment interval's worth of exposure).
   */
  status(): ArchiveStatus {
    return { ...this.state, lagSeconds: this.lagSecondsNow() };
  }

  private lagSecondsNow(): number {
    if (!this.state.active || !this.isLeader() || this.next > this.sm.revision()) return 0;
    const pending = this.applied.get(this.next);
    // Applied before this member kept times (before it started, or past MAX_TIMED_REVISIONS): the round's figure.
    return pending ? Math.max(0, (Date.now() - pending.atMs) / 1000) : this.state.lagSeconds;
  }

  /** One round: while leading, archive every revision applied since the last segment. */
  private async tick(): Promise<void> {
    if (!this.isLeader()) {
      this.active = this.state.active = false;
      this.state.lagSeconds = 0;
      return;
    }
    try {
      if (!this.active) await this.resume();
      for (;;) {
        const revs = await this.readRevisions();
        if (revs.length === 0) break;
        await this.o.store.write(segmentName(revs[0]!.revision, revs.at(-1)!.revision), await encodeSegment(
          { clusterId: this.o.clusterId, memberId: this.o.memberId, createdAtMs: Date.now() },
          revs,
          this.o.key ?? null,
        ));
        this.next = revs.at(-1)!.revision + 1;
        this.state.lastArchivedRevision = this.next - 1;
        this.state.segmentsWritten++;
        for (const r of revs) this.applied.delete(r.revision);
        if (!this.isLeader()) break;
      }
      this.state.lastError = null;
    } catch (err) {
      // Nothing advanced: the same revisions are read from the history again next round.
      this.state.lastError = (err as Error).message;
      this.log.warn({ err: this.state.lastError, next: this.next }, 'archive segment not written; retrying');
    }
    const pending = this.applied.get(this.next);
    this.state.lagSeconds = this.next <= this.sm.revision() ? (Date.now() - (pending?.atMs ?? Date.now())) / 1000 : 0;
  }

  /** Becoming the archiving leader: continue after the last segment in the directory. */
  private async resume(): Promise<void> {
    const last = await lastArchivedRevision(this.o.store);
    this.next = last + 1;
    this.state.lastArchivedRevision = last;
    this.active = this.state.active = true;
    this.log.info({ next: this.next, archive: this.o.store.location }, 'archiving as leader');
  }

  /** The revisions from `next` on, up to one segment's worth, from the watch history. */
  private async readRevisions(): Promise<TimedRevision[]> {
    const out: TimedRevision[] = [];
    let bytes = 0;
    let from = this.next;
    while (bytes < this.segmentBytes) {
      let page: ChangesResult;
      try {
        page = await this.sm.changesSince(from, undefined, EVENTS_PER_READ);
      } catch (err) {
        if (!(err instanceof CompactedError) || out.length > 0) throw err;
        // Those revisions left this member's history before anyone archived them.
        this.log.error({ from, to: err.oldestRevision - 1 }, 'archive gap: revisions no member archived are no longer in this member\'s history');
        this.state.gapRevisions += err.oldestRevision - from;
        from = this.next = err.oldestRevision;
        continue;
      }
      for (const r of groupByRevision(page.events)) {
        const t = this.applied.get(r.revision);
        out.push({ ...r, atMs: t?.atMs ?? Date.now(), index: t?.index ?? 0 });
        bytes += r.changes.reduce((n, c) => n + c.key.length + c.value.length + 32, 0);
      }
      if (page.nextRevision > page.revision || page.nextRevision === from) break;
      from = page.nextRevision;
    }
    return out;
  }
}

/** The last revision any segment in the store holds (0 when there is none, or no such directory yet). */
export async function lastArchivedRevision(store: ArchiveStore): Promise<number> {
  let names: string[];
  try {
    names = await store.names();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    names = [];
  }
  let last = 0;
  for (const name of names) last = Math.max(last, parseSegmentName(name)?.last ?? 0);
  return last;
}

function groupByRevision(events: readonly WatchEvent[]): ArchivedRevision[] {
  const out: ArchivedRevision[] = [];
  for (const e of events) {
    const revision = e.kv.modRevision;
    if (out.at(-1)?.revision !== revision) out.push({ revision, changes: [] });
    out.at(-1)!.changes.push({
      type: e.type,
      key: e.kv.key,
      value: e.kv.value,
      createRevision: e.kv.createRevision,
      version: e.kv.version,
      prevModRevision: e.prevKv?.modRevision ?? 0,
    });
  }
  return out;
}
