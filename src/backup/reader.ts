// Reading one backup file, checking everything on the way: the preamble and version, the
// manifest's checksum and fields, every chunk's index, lengths, checksum, decryption and
// decompression, the trailer's checksum and totals, and the footer's whole-file digest. Any
// failure is a BackupCorruptError naming the file, the chunk (or part) and the byte offset.
import { createHash, type Hash } from 'node:crypto';
import type { Disk, DiskFile } from '../disk/disk.js';
import { nodeDisk } from '../disk/node-disk.js';
import { ChunkOpenError, type ChunkCodec, openChunk } from './chunk-codec.js';
import { BackupCorruptError, type BackupLocation, BackupVersionError } from './errors.js';
import {
  BACKUP_FORMAT_VERSION,
  CHUNK_HEADER_BYTES,
  type FileManifest,
  type FileTrailer,
  FOOTER_BYTES,
  FOOTER_MAGIC,
  JSON_FRAME_HEADER_BYTES,
  MAGIC,
  manifestProblem,
  MAX_JSON_BYTES,
  MAX_STORED_BYTES,
  PREAMBLE_BYTES,
  sha256,
  trailerProblem,
  TYPE_CHUNK,
  TYPE_HEADER,
  TYPE_TRAILER,
} from './format.js';
import { type BackupKey, keyFor } from './keys.js';

/** How to read a backup. */
export interface BackupReadOptions {
  /** Keys to choose from for an encrypted backup (by key id). */
  keys?: readonly BackupKey[];
  disk?: Disk;
}

/** A backup's manifest and trailer, read without its chunks (for listing). */
export interface BackupSummaryInfo {
  path: string;
  manifest: FileManifest;
  trailer: FileTrailer;
  bytes: number;
  /** The footer's digest, as recorded (not recomputed). */
  digest: string;
}

type Frame = { type: 'chunk'; index: number; at: number; raw: Buffer; next: number } | { type: 'end' };

/** An open backup file; iterate chunks() once for the snapshot bytes. */
export class BackupFileReader {
  /** Set once chunks() has read and checked the whole file. */
  trailer: FileTrailer | null = null;
  /** The chunk last handed out by chunks() (its index and byte offset), and file bytes read so far. */
  readonly progress = { chunk: -1, offset: 0, bytesRead: 0 };
  digest: string | null = null;
  private readonly hash: Hash;
  private codec: ChunkCodec | null = null;
  private chunkCount = 0;
  /** Where the footer says the trailer is (null when the footer is unreadable): names a bad frame. */
  private expectedTrailerAt: number | null = null;
  private rawBytes = 0;
  private storedBytes = 0;

  private constructor(
    private readonly file: DiskFile,
    readonly path: string,
    readonly bytes: number,
    readonly manifest: FileManifest,
    private readonly headerEnd: number,
    headerFrame: Buffer,
  ) {
    this.hash = createHash('sha256').update(headerFrame);
  }

  /** Opens `path` and checks its preamble and manifest. An encrypted backup needs its key in `opts.keys`. */
  static async open(path: string, opts: BackupReadOptions = {}): Promise<BackupFileReader> {
    const disk = opts.disk ?? nodeDisk;
    const file = await disk.open(path, {});
    try {
      const bytes = await file.sizeBytes();
      const { manifest, frame, header } = await readHead(file, path, bytes);
      const r = new BackupFileReader(file, path, bytes, manifest, frame.length, frame);
      r.codec = codecOf(manifest, header, manifest.encryption ? keyFor(path, manifest.encryption.keyId, opts.keys ?? []) : null);
      r.expectedTrailerAt = await trailerOffsetOf(file, bytes);
      return r;
    } catch (err) {
      await file.close();
      throw err;
    }
  }

  /** The snapshot bytes, chunk by chunk (the next one is read and opened while this one is used). */
  async *chunks(): AsyncGenerator<Buffer, void, undefined> {
    let pending = this.readFrame(this.headerEnd);
    try {
      for (;;) {
        const f = await pending;
        if (f.type === 'end') return;
        pending = this.readFrame(f.next);
        Object.assign(this.progress, { chunk: f.index, offset: f.at, bytesRead: f.next });
        yield f.raw;
      }
    } finally {
      pending.catch(() => undefined);
    }
  }

  /** Closes the file. */
  close(): Promise<void> {
    return this.file.close();
  }

  private async readFrame(pos: number): Promise<Frame> {
    const type = (await this.read(pos, 1, { part: 'chunk', chunk: this.chunkCount, offset: pos }, 'the trailer'))[0];
    if (type === TYPE_TRAILER) {
      await this.readEnd(pos);
      return { type: 'end' };
    }
    const at: BackupLocation = { part: 'chunk', chunk: this.chunkCount, offset: pos };
    if (type !== TYPE_CHUNK) {
      const where: BackupLocation = pos === this.expectedTrailerAt ? { part: 'trailer', offset: pos } : at;
      throw this.corrupt(where, `unknown frame type 0x${type!.toString(16)} (expected a chunk or the trailer)`);
    }
    const h = await this.read(pos + 1, CHUNK_HEADER_BYTES - 1, at, `chunk ${this.chunkCount}'s header`);
    const index = h.readUInt32BE(0);
    const rawLength = h.readUInt32BE(4);
    const storedLength = h.readUInt32BE(8);
    if (index !== this.chunkCount) throw this.corrupt(at, `chunk header says index ${index}`);
    if (rawLength < 1 || rawLength > this.manifest.chunkBytes) throw this.corrupt(at, `raw length ${rawLength} is outside 1..${this.manifest.chunkBytes}`);
    if (storedLength > MAX_STORED_BYTES) throw this.corrupt(at, `stored length ${storedLength} is over ${MAX_STORED_BYTES}`);
    const stored = await this.read(pos + CHUNK_HEADER_BYTES, storedLength, at, `chunk ${this.chunkCount}'s ${storedLength} stored bytes`);
    this.hash.update(Buffer.from([type])).update(h).update(stored);
    if (!sha256(stored).equals(h.subarray(12, 44))) throw this.corrupt(at, 'checksum mismatch (sha256 of the stored bytes differs from the chunk header)');
    let raw: Buffer;
    try {
      raw = await openChunk(this.codec!, index, stored, rawLength);
    } catch (err) {
      if (err instanceof ChunkOpenError) throw this.corrupt(at, err.message);
      throw err;
    }
    this.chunkCount++;
    this.rawBytes += rawLength;
    this.storedBytes += storedLength;
    return { type: 'chunk', index, at: pos, raw, next: pos + CHUNK_HEADER_BYTES + storedLength };
  }

  /** The trailer at `pos` and the footer after it; both checked against what was read. */
  private async readEnd(pos: number): Promise<void> {
    const at: BackupLocation = { part: 'trailer', offset: pos };
    const { value, frame } = await this.readJsonFrame(pos, TYPE_TRAILER, at);
    this.hash.update(frame);
    const problem = trailerProblem(value);
    if (problem) throw this.corrupt(at, problem);
    const t = value as FileTrailer;
    if (t.chunks !== this.chunkCount || t.rawBytes !== this.rawBytes || t.storedBytes !== this.storedBytes) {
      throw this.corrupt(at, `the trailer counts ${t.chunks} chunks, ${t.rawBytes} raw and ${t.storedBytes} stored bytes; the file holds ${this.chunkCount}, ${this.rawBytes} and ${this.storedBytes}`);
    }
    const footerAt = pos + frame.length;
    const fat: BackupLocation = { part: 'footer', offset: footerAt };
    const footer = await this.read(footerAt, FOOTER_BYTES, fat, 'the footer');
    this.hash.update(footer.subarray(0, 8));
    if (!footer.subarray(40).equals(FOOTER_MAGIC)) throw this.corrupt(fat, 'footer magic is missing');
    if (Number(footer.readBigUInt64BE(0)) !== pos) throw this.corrupt(fat, `the footer says the trailer is at byte ${footer.readBigUInt64BE(0)}, it is at ${pos}`);
    const digest = this.hash.digest();
    if (!digest.equals(footer.subarray(8, 40))) throw this.corrupt(fat, 'whole-file digest mismatch');
    if (footerAt + FOOTER_BYTES !== this.bytes) throw this.corrupt(fat, `${this.bytes - footerAt - FOOTER_BYTES} bytes follow the footer`);
    this.trailer = t;
    this.digest = digest.toString('hex');
  }

  private async readJsonFrame(pos: number, type: number, at: BackupLocation): Promise<{ value: unknown; frame: Buffer }> {
    return readJsonFrameOf(this.file, this.path, this.bytes, pos, type, at);
  }

  /** `length` bytes at `pos`; a file that ends before them is truncated (`what` says what was cut). */
  private read(pos: number, length: number, at: BackupLocation, what: string): Promise<Buffer> {
    return readExact(this.file, this.path, this.bytes, pos, length, at, what);
  }

  private corrupt(at: BackupLocation, reason: string): BackupCorruptError {
    return new BackupCorruptError(this.path, at, reason);
  }
}

function codecOf(m: FileManifest, headerFrame: Buffer, key: BackupKey | null): ChunkCodec {
  return { compression: m.compression, level: m.level, key, fileAad: Buffer.concat([MAGIC, Buffer.from(m.id, 'hex'), sha256(headerFrame)]) };
}

async function readExact(file: DiskFile, path: string, size: number, pos: number, length: number, at: BackupLocation, what: string): Promise<Buffer> {
  if (pos + length > size) throw new BackupCorruptError(path, at, `truncated: the file ends at byte ${size}, before the end of ${what} (byte ${pos + length})`);
  const buf = Buffer.allocUnsafe(length);
  let off = 0;
  while (off < length) {
    const n = await file.read(buf, off, length - off, pos + off);
    if (n <= 0) throw new BackupCorruptError(path, at, `truncated: reading ${what} stopped at byte ${pos + off}`);
    off += n;
  }
  return buf;
}

async function readJsonFrameOf(file: DiskFile, path: string, size: number, pos: number, type: number, at: BackupLocation): Promise<{ value: unknown; frame: Buffer }> {
  const name = type === TYPE_HEADER ? 'the manifest' : 'the trailer';
  const head = await readExact(file, path, size, pos, JSON_FRAME_HEADER_BYTES, at, name);
  if (head[0] !== type) throw new BackupCorruptError(path, at, `expected ${name} (frame type 0x${type.toString(16)}), found 0x${head[0]!.toString(16)}`);
  const length = head.readUInt32BE(1);
  if (length > MAX_JSON_BYTES) throw new BackupCorruptError(path, at, `${name} claims ${length} bytes (at most ${MAX_JSON_BYTES})`);
  const json = await readExact(file, path, size, pos + JSON_FRAME_HEADER_BYTES, length, at, name);
  if (!sha256(json).equals(head.subarray(5))) throw new BackupCorruptError(path, at, `checksum mismatch in ${name}`);
  let value: unknown;
  try {
    value = JSON.parse(json.toString('utf8'));
  } catch (err) {
    throw new BackupCorruptError(path, at, `${name} is not JSON: ${(err as Error).message}`);
  }
  return { value, frame: Buffer.concat([head, json]) };
}

/** The trailer offset the footer records, or null when there is no readable footer. */
async function trailerOffsetOf(file: DiskFile, size: number): Promise<number | null> {
  if (size < FOOTER_BYTES) return null;
  const footer = Buffer.alloc(FOOTER_BYTES);
  if ((await file.read(footer, 0, FOOTER_BYTES, size - FOOTER_BYTES)) !== FOOTER_BYTES || !footer.subarray(40).equals(FOOTER_MAGIC)) return null;
  return Number(footer.readBigUInt64BE(0));
}

/**
 * The preamble and the manifest; returns the manifest, the header frame (what encryption binds
 * chunks to) and all bytes read (preamble + header frame, the start of the whole-file digest).
 */
async function readHead(file: DiskFile, path: string, size: number): Promise<{ manifest: FileManifest; header: Buffer; frame: Buffer }> {
  const pre = await readExact(file, path, size, 0, PREAMBLE_BYTES, { part: 'preamble', offset: 0 }, 'the preamble');
  if (!pre.subarray(0, MAGIC.length).equals(MAGIC)) throw new BackupCorruptError(path, { part: 'preamble', offset: 0 }, 'not a raftdb backup file (no RAFTDBBK magic)');
  const version = pre.readUInt32BE(MAGIC.length);
  if (version !== BACKUP_FORMAT_VERSION) throw new BackupVersionError(path, version, BACKUP_FORMAT_VERSION);
  const at: BackupLocation = { part: 'header', offset: PREAMBLE_BYTES };
  const { value, frame } = await readJsonFrameOf(file, path, size, PREAMBLE_BYTES, TYPE_HEADER, at);
  const problem = manifestProblem(value);
  if (problem) throw new BackupCorruptError(path, at, problem);
  return { manifest: value as FileManifest, header: frame, frame: Buffer.concat([pre, frame]) };
}

/**
 * The manifest and the trailer of a backup, found through its footer, each checked against its
 * own checksum; the chunks are not read (use BackupFileReader for that).
 */
export async function readBackupSummary(path: string, disk: Disk = nodeDisk): Promise<BackupSummaryInfo> {
  const file = await disk.open(path, {});
  try {
    const bytes = await file.sizeBytes();
    const { manifest, frame } = await readHead(file, path, bytes);
    const footerAt = bytes - FOOTER_BYTES;
    const fat: BackupLocation = { part: 'footer', offset: Math.max(0, footerAt) };
    if (footerAt < frame.length) throw new BackupCorruptError(path, fat, `truncated: ${bytes} bytes cannot hold the manifest and a footer`);
    const footer = await readExact(file, path, bytes, footerAt, FOOTER_BYTES, fat, 'the footer');
    if (!footer.subarray(40).equals(FOOTER_MAGIC)) throw new BackupCorruptError(path, fat, 'footer magic is missing (the file is truncated or damaged)');
    const trailerAt = Number(footer.readBigUInt64BE(0));
    if (trailerAt < frame.length || trailerAt >= footerAt) throw new BackupCorruptError(path, fat, `the footer's trailer offset ${trailerAt} is outside the file`);
    const at: BackupLocation = { part: 'trailer', offset: trailerAt };
    const { value } = await readJsonFrameOf(file, path, bytes, trailerAt, TYPE_TRAILER, at);
    const problem = trailerProblem(value);
    if (problem) throw new BackupCorruptError(path, at, problem);
    return { path, manifest, trailer: value as FileTrailer, bytes, digest: footer.subarray(8, 40).toString('hex') };
  } finally {
    await file.close();
  }
}
