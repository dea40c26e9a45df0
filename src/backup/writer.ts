// Writing one backup file. The bytes go to `<name>.partial` in the destination directory; only a
// complete file — every chunk, the trailer and the footer written and fsynced — is renamed to
// `<name>.rdbk` (and the directory fsynced). On any failure (a full disk, a broken stream) the
// caller aborts and the partial file is removed, so a name ending in .rdbk is always a whole file
// and earlier backups are never touched.
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import type { Disk, DiskFile } from '../disk/disk.js';
import { nodeDisk } from '../disk/node-disk.js';
import { SNAPSHOT_END_FRAME_BYTES } from '../state/index.js';
import { type ChunkCodec, sealChunk } from './chunk-codec.js';
import { BackupError } from './errors.js';
import {
  BACKUP_EXTENSION,
  chunkHeader,
  type Compression,
  DEFAULT_CHUNK_BYTES,
  FOOTER_MAGIC,
  type FileManifest,
  type FileTrailer,
  jsonFrame,
  LEVELS,
  MAGIC,
  MAX_CHUNK_BYTES,
  PARTIAL_EXTENSION,
  preamble,
  sha256,
  TYPE_HEADER,
  TYPE_TRAILER,
} from './format.js';
import type { BackupKey } from './keys.js';

/** Chunks compressed at once (on the thread pool) while the next ones arrive. */
const PARALLEL_CHUNKS = 3;

/** How to write a backup. */
export interface BackupWriteOptions {
  compression?: Compression;
  /** gzip 1-9, brotli 0-11; the algorithm's default when absent. */
  level?: number;
  /** Raw bytes per chunk (64 KiB .. 64 MiB; default 4 MiB). */
  chunkBytes?: number;
  /** Encrypt with this key (AES-256-GCM); the manifest records its id. */
  key?: BackupKey | null;
  /** The file system (tests inject faults); default node:fs. */
  disk?: Disk;
}

/** The manifest fields that come from the member (the rest the writer fills in). */
export type SourceManifest = Omit<FileManifest, 'id' | 'compression' | 'level' | 'chunkBytes' | 'encryption'>;

/** What the source says the data added up to. */
export type SourceSummary = Pick<FileTrailer, 'keyCount' | 'hashKv' | 'records' | 'snapshotSha256'> & { snapshotBytes: number };

/** A finished backup file. */
export interface WrittenBackup {
  path: string;
  manifest: FileManifest;
  trailer: FileTrailer;
  /** Bytes of the whole file. */
  bytes: number;
  /** The footer's digest (sha256 hex of the file before it). */
  digest: string;
}

/** A backup file name: cluster, UTC time and revision sort together; the id keeps it unique. */
export function backupFileName(m: Pick<FileManifest, 'clusterId' | 'createdAtMs' | 'revision' | 'id'>): string {
  const time = new Date(m.createdAtMs).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const cluster = m.clusterId.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64);
  return `backup-${cluster}-${time}-r${m.revision}-${m.id.slice(0, 8)}${BACKUP_EXTENSION}`;
}

/** Checks the options and fills in defaults; BackupError names what is wrong. */
export function codecOptions(o: BackupWriteOptions): { compression: Compression; level: number; chunkBytes: number } {
  const compression = o.compression ?? 'gzip';
  const range = LEVELS[compression];
  if (!range) throw new BackupError(`unknown compression ${String(compression)}`);
  const level = o.level ?? range.default;
  if (!Number.isInteger(level) || level < range.min || level > range.max) throw new BackupError(`${compression} level must be ${range.min}..${range.max}, not ${level}`);
  const chunkBytes = o.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  if (!Number.isInteger(chunkBytes) || chunkBytes < 64 * 1024 || chunkBytes > MAX_CHUNK_BYTES) throw new BackupError(`chunk size must be 64 KiB .. 64 MiB, not ${chunkBytes}`);
  return { compression, level, chunkBytes };
}

/** Writes one backup file; create(), write() the snapshot bytes, then finish() or abort(). */
export class BackupFileWriter {
  private readonly hash: Hash = createHash('sha256');
  private position = 0;
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private chunks = 0;
  private rawBytes = 0;
  private storedBytes = 0;
  /** Chunks being sealed, oldest first; written in this order. */
  private readonly sealing: { raw: number; stored: Promise<Buffer> }[] = [];
  private done = false;

  private constructor(
    private readonly disk: Disk,
    private readonly file: DiskFile,
    readonly dir: string,
    readonly partialPath: string,
    readonly finalPath: string,
    readonly manifest: FileManifest,
    private readonly codec: ChunkCodec,
  ) {}

  /** Creates `<name>.partial` in `dir` (0600) and writes the preamble and the manifest. */
  static async create(dir: string, source: SourceManifest, opts: BackupWriteOptions = {}): Promise<BackupFileWriter> {
    const { compression, level, chunkBytes } = codecOptions(opts);
    const key = opts.key ?? null;
    const manifest: FileManifest = { ...source, id: randomBytes(16).toString('hex'), compression, level, chunkBytes, encryption: key ? { algorithm: 'aes-256-gcm', keyId: key.id } : null };
    const name = backupFileName(manifest);
    const disk = opts.disk ?? nodeDisk;
    await disk.mkdirp(dir);
    const partialPath = join(dir, `${name}${PARTIAL_EXTENSION}`);
    const file = await disk.open(partialPath, { write: true, create: true, truncate: true });
    const header = jsonFrame(TYPE_HEADER, manifest);
    const fileAad = Buffer.concat([MAGIC, Buffer.from(manifest.id, 'hex'), sha256(header)]);
    const w = new BackupFileWriter(disk, file, dir, partialPath, join(dir, name), manifest, { compression, level, key, fileAad });
    try {
      await chmod(partialPath, 0o600).catch(() => undefined); // best effort: a backup holds every value
      await w.append(preamble());
      await w.append(header);
    } catch (err) {
      await w.abort();
      throw err;
    }
    return w;
  }

  /** Adds snapshot bytes; full chunks are sealed (several at once) and written in order. */
  async write(data: Uint8Array): Promise<void> {
    if (this.done) throw new BackupError('the backup writer is finished');
    let rest = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    while (rest.length > 0) {
      const take = Math.min(rest.length, this.manifest.chunkBytes - this.bufferedBytes);
      // Copied: the caller's buffer (a gRPC message) must not be pinned or changed under us.
      this.buffered.push(Buffer.from(rest.subarray(0, take)));
      this.bufferedBytes += take;
      rest = rest.subarray(take);
      if (this.bufferedBytes === this.manifest.chunkBytes) await this.cutChunk();
    }
  }

  /** Writes the last chunk, the trailer and the footer, syncs, and renames the file into place. */
  async finish(summary: SourceSummary): Promise<WrittenBackup> {
    if (this.bufferedBytes > 0) await this.cutChunk();
    while (this.sealing.length > 0) await this.writeOldest();
    // The summary counts the snapshot's bytes before its end frame.
    if (this.rawBytes !== summary.snapshotBytes + SNAPSHOT_END_FRAME_BYTES) {
      throw new BackupError(`the stream carried ${this.rawBytes} snapshot bytes, its summary says ${summary.snapshotBytes + SNAPSHOT_END_FRAME_BYTES}`);
    }
    const trailer: FileTrailer = {
      chunks: this.chunks,
      rawBytes: this.rawBytes,
      storedBytes: this.storedBytes,
      keyCount: summary.keyCount,
      hashKv: summary.hashKv,
      records: summary.records,
      snapshotSha256: summary.snapshotSha256,
      finishedAtMs: Date.now(),
    };
    const trailerOffset = this.position;
    await this.append(jsonFrame(TYPE_TRAILER, trailer));
    const offset = Buffer.alloc(8);
    offset.writeBigUInt64BE(BigInt(trailerOffset));
    await this.append(offset);
    const digest = this.hash.digest();
    await this.raw(Buffer.concat([digest, FOOTER_MAGIC]));
    this.done = true;
    await this.file.sync();
    await this.file.close();
    if (await this.exists(this.finalPath)) throw new BackupError(`${this.finalPath} already exists`);
    await this.disk.rename(this.partialPath, this.finalPath);
    await this.disk.syncDir(this.dir);
    return { path: this.finalPath, manifest: this.manifest, trailer, bytes: this.position, digest: digest.toString('hex') };
  }

  /** Removes the partial file (idempotent); what was written is gone, other backups untouched. */
  async abort(): Promise<void> {
    this.done = true;
    // Chunks still being sealed are not needed; let them settle so none rejects unobserved.
    await Promise.allSettled(this.sealing.map((s) => s.stored));
    this.sealing.length = 0;
    await this.file.close().catch(() => undefined);
    await this.disk.unlink(this.partialPath).catch(() => undefined);
    await this.disk.syncDir(this.dir).catch(() => undefined);
  }

  private async cutChunk(): Promise<void> {
    const raw = Buffer.concat(this.buffered, this.bufferedBytes);
    this.buffered = [];
    this.bufferedBytes = 0;
    const index = this.chunks + this.sealing.length;
    const stored = sealChunk(this.codec, index, raw);
    stored.catch(() => undefined); // observed in writeOldest or abort
    this.sealing.push({ raw: raw.length, stored });
    if (this.sealing.length >= PARALLEL_CHUNKS) await this.writeOldest();
  }

  private async writeOldest(): Promise<void> {
    const next = this.sealing[0]!;
    const stored = await next.stored;
    this.sealing.shift();
    await this.append(Buffer.concat([chunkHeader(this.chunks, next.raw, stored), stored]));
    this.chunks++;
    this.rawBytes += next.raw;
    this.storedBytes += stored.length;
  }

  /** Writes and hashes (the footer digest covers everything before it). */
  private async append(buf: Buffer): Promise<void> {
    this.hash.update(buf);
    await this.raw(buf);
  }

  private async raw(buf: Buffer): Promise<void> {
    let off = 0;
    while (off < buf.length) {
      const n = await this.file.write(buf, off, buf.length - off, this.position);
      if (n <= 0) throw new BackupError(`short write to ${this.partialPath} at byte ${this.position}`);
      off += n;
      this.position += n;
    }
  }

  private async exists(path: string): Promise<boolean> {
    try {
      await this.disk.sizeBytes(path);
      return true;
    } catch (err) {
      // Only "not there" means free: a file we cannot stat may be a backup we would overwrite.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }
}
