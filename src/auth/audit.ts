// The audit log (--audit-log FILE): one JSON line per write, administrative action, auth change
// and refused request, written by the node that executed (or refused) it: time, node, user,
// client address, method, the keys or ranges touched (never values, never passwords), revision,
// outcome. Lines are queued in memory and appended by one writer; a full queue or a failed write
// drops lines and counts them (raftdb_audit_dropped_lines_total) — a request never waits for the
// audit log. The file is rotated by size: FILE → FILE.1 → ... → FILE.<keep>, the oldest deleted.
import { type FileHandle, open, rename, rm } from 'node:fs/promises';

/** One audited event. */
export interface AuditRecord {
  /** ISO 8601, this node's clock. */
  time: string;
  /** The node that executed or refused the request. */
  node: string;
  /** The authenticated user; null when auth is off or the caller could not be identified. */
  user: string | null;
  /** The caller's address as the first node saw it (`ipv4:10.0.0.7:51234`). */
  client: string;
  /** For a request forwarded by another node: that node's address. */
  via?: string;
  /** The RPC: Put, Txn, MemberAdd, UserGrantRole, Authenticate, ... */
  method: string;
  /** The keys or ranges touched (a txn: every compare and op, at most MAX_RANGES). */
  ranges?: string[];
  /** How many ranges the request had when more than listed. */
  rangeCount?: number;
  /** What an administrative action or auth change was about: a user, a role, a member. */
  subject?: string;
  /** The store revision a write produced. */
  revision?: number;
  /** OK, or the gRPC status name. */
  outcome: string;
  /** The refusal's message. */
  error?: string;
}

/** How an audit log rotates, how much it may queue, and whom it tells what happened. */
export interface AuditLogOptions {
  /** Rotate before a write would take the file past this (default 100 MiB; one write holds every line queued meanwhile). */
  maxBytes?: number;
  /** Rotated files kept (default 5). */
  keep?: number;
  /** Bytes of lines waiting to be written before new ones are dropped (default 16 MiB). */
  maxQueuedBytes?: number;
  onWritten?(lines: number): void;
  onDropped?(lines: number): void;
  onRotated?(): void;
  /** Told once per failure streak (a full disk, say), not per line. */
  onError?(err: Error): void;
}

/** Default size past which the audit log is rotated. */
export const DEFAULT_AUDIT_MAX_BYTES = 100 * 1024 * 1024;
/** Default number of rotated audit logs kept. */
export const DEFAULT_AUDIT_KEEP = 5;
const DEFAULT_MAX_QUEUED_BYTES = 16 * 1024 * 1024;
/** Ranges listed per record; a txn may touch 128. */
export const MAX_RANGES = 16;

/** An append-only, size-rotated JSON-lines file fed without blocking its callers. */
export class AuditLog {
  private fh: FileHandle;
  private size: number;
  private queue: string[] = [];
  private queuedBytes = 0;
  private writing: Promise<void> | null = null;
  private closed = false;
  private failing = false;
  private readonly maxBytes: number;
  private readonly keep: number;
  private readonly maxQueuedBytes: number;
  /** Lines dropped so far (queue full, write failed, or after close). */
  dropped = 0;

  private constructor(
    readonly file: string,
    fh: FileHandle,
    size: number,
    private readonly opts: AuditLogOptions,
  ) {
    this.fh = fh;
    this.size = size;
    this.maxBytes = opts.maxBytes ?? DEFAULT_AUDIT_MAX_BYTES;
    this.keep = opts.keep ?? DEFAULT_AUDIT_KEEP;
    this.maxQueuedBytes = opts.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
  }

  /** Opens (appending to) `file`, created 0600; throws naming the file when it cannot be opened. */
  static async open(file: string, opts: AuditLogOptions = {}): Promise<AuditLog> {
    if ((opts.keep ?? DEFAULT_AUDIT_KEEP) < 1) throw new Error('audit log: keep at least one rotated file');
    let fh: FileHandle;
    try {
      fh = await open(file, 'a', 0o600);
    } catch (err) {
      throw new Error(`cannot open the audit log ${file}: ${(err as Error).message}`);
    }
    return new AuditLog(file, fh, (await fh.stat()).size, opts);
  }

  /** Queues one record; never waits, never throws (a line that cannot be queued is counted as dropped). */
  record(r: AuditRecord): void {
    let line: string;
    try {
      line = `${JSON.stringify(r)}\n`;
    } catch {
      return this.drop(1);
    }
    if (this.closed || this.queuedBytes + line.length > this.maxQueuedBytes) return this.drop(1);
    this.queue.push(line);
    this.queuedBytes += line.length;
    this.writing ??= this.drain().finally(() => (this.writing = null));
  }

  private drop(lines: number): void {
    this.dropped += lines;
    this.opts.onDropped?.(lines);
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const lines = this.queue;
      this.queue = [];
      this.queuedBytes = 0;
      const buf = Buffer.from(lines.join(''), 'utf8');
      try {
        if (this.size > 0 && this.size + buf.length > this.maxBytes) await this.rotate();
        await this.fh.write(buf);
        this.size += buf.length;
        this.failing = false;
        this.opts.onWritten?.(lines.length);
      } catch (err) {
        this.drop(lines.length);
        if (!this.failing) this.opts.onError?.(err as Error);
        this.failing = true;
        await this.reopen();
      }
    }
  }

  /** After a failure: a fresh handle on FILE (a rotation may have been cut short), if it can be had. */
  private async reopen(): Promise<void> {
    try {
      const fh = await open(this.file, 'a', 0o600);
      await this.fh.close().catch(() => {});
      this.fh = fh;
      this.size = (await fh.stat()).size;
    } catch {
      // Still failing: the next batch tries again. The failure that started it was told to
      // onError (logged), and every line lost meanwhile is counted (raftdb_audit_dropped_lines_total).
    }
  }

  /** FILE → FILE.1 → ... → FILE.<keep> (the oldest removed), then a new FILE. */
  private async rotate(): Promise<void> {
    await this.fh.close();
    await rm(`${this.file}.${this.keep}`, { force: true });
    for (let i = this.keep - 1; i >= 1; i--) {
      await rename(`${this.file}.${i}`, `${this.file}.${i + 1}`).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
    }
    await rename(this.file, `${this.file}.1`);
    this.fh = await open(this.file, 'a', 0o600);
    this.size = 0;
    this.opts.onRotated?.();
  }

  /** Resolves once every line queued so far is written (or dropped). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  /** Writes what is queued, then closes the file; later records are dropped. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.writing) await this.writing;
    await this.fh.close().catch(() => {});
  }
}
