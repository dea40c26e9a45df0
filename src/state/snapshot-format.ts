// The snapshot byte format (version 2): one self-framing byte stream, so that however a
// transport cuts it (any chunk sizes, down to one byte) the receiver reassembles the same frames.
//
//   preamble  "RAFTDBSS" (8 bytes), format version (u32 BE)
//   frame     type (u8), payload length (u32 BE), payload
//     'H'  header, first and once: msgpack {appliedIndex, appliedTerm, revision}
//     'R'  record: key length (u32 BE), key, value; keys strictly ascending, replicated prefixes
//     'E'  end, last: pairs (u64 BE), bytes (u64 BE), sha256 of the `bytes` bytes before it
//
// Version 1 (until 2026-12) was a sequence of msgpack documents, one per transport chunk, and
// broke as soon as a document was cut in two (issue 13). A reader refuses any other version
// with a message naming both.
import { createHash, type Hash } from 'node:crypto';
import { pack, unpack } from './codec.js';
import { SnapshotError } from './errors.js';
import { ByteQueue } from './byte-queue.js';
import { REPLICATED_PREFIXES } from './keys.js';

/** The version this node writes and the only one it reads. */
export const SNAPSHOT_FORMAT_VERSION = 2;
const MAGIC = Buffer.from('RAFTDBSS', 'latin1');
const PREAMBLE_BYTES = MAGIC.length + 4;
const FRAME_HEADER_BYTES = 5;
const TYPE_HEADER = 0x48; // 'H'
const TYPE_RECORD = 0x52; // 'R'
const TYPE_END = 0x45; // 'E'
const END_PAYLOAD_BYTES = 8 + 8 + 32;
/** The end frame's size: the checksum covers everything but these last bytes of the stream. */
export const END_FRAME_BYTES = FRAME_HEADER_BYTES + END_PAYLOAD_BYTES;
const MAX_HEADER_BYTES = 64 * 1024;
/** Largest record frame a reader accepts, so a hostile stream cannot make it buffer without bound. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;
/** Largest whole snapshot a reader accepts by default; protects the disk from a runaway sender. */
export const MAX_SNAPSHOT_BYTES = 16 * 1024 * 1024 * 1024;

/** What a snapshot's header says. */
export interface SnapshotHeader {
  appliedIndex: number;
  appliedTerm: number;
  revision: number;
}

/** What a complete snapshot stream describes. */
export interface SnapshotInfo extends SnapshotHeader {
  /** sha256, hex, over the stream's bytes before the end frame. */
  checksum: string;
  /** Bytes of the stream before the end frame. */
  bytes: number;
  pairs: number;
}

/**
 * Encodes a snapshot into chunks of about `chunkBytes` (a record larger than that gets a chunk
 * of its own size). By default each chunk is a new Buffer that the writer never touches again,
 * so a consumer may hold it while it asks for more. With `reuseChunks`, the writer fills two
 * buffers in turn: a chunk stays valid until the writer hands out the next one, so a consumer
 * must be done with it (copied it) before it adds the records after it — in exchange a stream
 * allocates no buffer per chunk (each is external memory V8 counts towards its next GC).
 */
export class SnapshotWriter {
  private readonly hash: Hash = createHash('sha256');
  private buf: Buffer;
  /** reuseChunks: the buffer of the chunk handed out last, filled again after the next cut. */
  private spare: Buffer | null = null;
  /** The usual buffer size; larger one-off buffers (a record above chunkBytes) are not kept. */
  private readonly bufBytes: number;
  private pos = 0;
  private bytes = 0;
  private pairs = 0;

  constructor(
    private readonly header: SnapshotHeader,
    private readonly chunkBytes: number,
    private readonly reuseChunks = false,
  ) {
    const h = pack({ appliedIndex: header.appliedIndex, appliedTerm: header.appliedTerm, revision: header.revision });
    this.bufBytes = Math.max(chunkBytes, PREAMBLE_BYTES + FRAME_HEADER_BYTES + h.length);
    this.buf = Buffer.allocUnsafe(this.bufBytes);
    this.pos += MAGIC.copy(this.buf, 0);
    this.pos = this.buf.writeUInt32BE(SNAPSHOT_FORMAT_VERSION, this.pos);
    this.frameHeader(TYPE_HEADER, h.length);
    this.pos += h.copy(this.buf, this.pos);
  }

  /** Adds one record; returns the previous chunk when this record did not fit in it. */
  record(key: Uint8Array, value: Uint8Array): Buffer | null {
    const payload = 4 + key.length + value.length;
    const full = this.pos + FRAME_HEADER_BYTES + payload > this.buf.length ? this.cut(FRAME_HEADER_BYTES + payload) : null;
    this.frameHeader(TYPE_RECORD, payload);
    this.pos = this.buf.writeUInt32BE(key.length, this.pos);
    this.buf.set(key, this.pos);
    this.buf.set(value, this.pos + key.length);
    this.pos += key.length + value.length;
    this.pairs++;
    return full;
  }

  /** The last chunk (what is left, then the end frame) and what the stream described. */
  finish(): { chunk: Buffer; info: SnapshotInfo } {
    const data = this.buf.subarray(0, this.pos);
    this.hash.update(data);
    this.bytes += data.length;
    const checksum = this.hash.digest();
    const chunk = Buffer.allocUnsafe(data.length + END_FRAME_BYTES);
    let p = data.copy(chunk, 0);
    chunk[p] = TYPE_END;
    p = chunk.writeUInt32BE(END_PAYLOAD_BYTES, p + 1);
    p = chunk.writeBigUInt64BE(BigInt(this.pairs), p);
    p = chunk.writeBigUInt64BE(BigInt(this.bytes), p);
    checksum.copy(chunk, p);
    this.buf = Buffer.alloc(0);
    this.spare = null;
    this.pos = 0;
    return { chunk, info: { ...this.header, checksum: checksum.toString('hex'), bytes: this.bytes, pairs: this.pairs } };
  }

  /** Hands out the filled part of the buffer; the next one has room for `next` bytes at least. */
  private cut(next: number): Buffer | null {
    const out = this.pos > 0 ? this.buf.subarray(0, this.pos) : null;
    if (out) {
      this.hash.update(out);
      this.bytes += out.length;
    }
    // The spare held the chunk before `out`, which the consumer is done with: it asked for more.
    let fresh: Buffer;
    if (this.spare && this.spare.length >= next) {
      fresh = this.spare;
      this.spare = null;
    } else {
      fresh = Buffer.allocUnsafe(Math.max(this.chunkBytes, next));
    }
    if (this.reuseChunks && this.buf.length === this.bufBytes) this.spare = this.buf;
    this.buf = fresh;
    this.pos = 0;
    return out;
  }

  private frameHeader(type: number, length: number): void {
    this.buf[this.pos] = type;
    this.pos = this.buf.writeUInt32BE(length, this.pos + 1);
  }
}

/** Receives each record of a stream being read, in key order; `key` and `value` are views. */
export type RecordSink = (key: Buffer, value: Buffer) => void;

/**
 * Decodes and checks a snapshot stream fed in chunks of any size. Records are handed out as soon
 * as they are complete, before the checksum can be known: a caller writes them somewhere that is
 * discarded unless finish() succeeds. Memory held: at most one frame (MAX_RECORD_BYTES).
 */
export class SnapshotReader {
  private readonly hash: Hash = createHash('sha256');
  /** The last bytes received, not hashed yet: the end frame, once the stream is complete. */
  private tail: Buffer = Buffer.alloc(0);
  private total = 0;
  private readonly queue = new ByteQueue();
  private stage: 'preamble' | 'frame' | 'payload' | 'done' = 'preamble';
  private frameType = 0;
  private frameLength = 0;
  private pairs = 0;
  private lastKey: Buffer | null = null;
  private info: SnapshotInfo | null = null;
  /** Set once the header frame is read. */
  header: SnapshotHeader | null = null;

  constructor(private readonly maxBytes = MAX_SNAPSHOT_BYTES) {}

  /** Feeds the next bytes; `onRecord` gets every record they complete. Throws SnapshotError. */
  push(chunk: Uint8Array, onRecord: RecordSink): void {
    if (chunk.length === 0) return;
    if (this.stage === 'done') throw new SnapshotError('data after the end frame');
    this.total += chunk.length;
    if (this.total > this.maxBytes) throw new SnapshotError(`snapshot exceeds ${this.maxBytes} bytes`);
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    this.hashHoldingBack(buf);
    this.queue.push(buf);
    this.drain(onRecord);
  }

  /** The stream ended: what it described, or SnapshotError if it was cut short. */
  finish(): SnapshotInfo {
    if (!this.info) throw new SnapshotError(`snapshot stream is truncated: it ended after ${this.total} bytes and ${this.pairs} records, without its end frame`);
    return this.info;
  }

  private drain(onRecord: RecordSink): void {
    for (;;) {
      if (this.stage === 'preamble') {
        if (this.queue.length < PREAMBLE_BYTES) return;
        checkPreamble(this.queue.take(PREAMBLE_BYTES));
        this.stage = 'frame';
      } else if (this.stage === 'frame') {
        if (this.queue.length < FRAME_HEADER_BYTES) return;
        const h = this.queue.take(FRAME_HEADER_BYTES);
        this.frameType = h[0]!;
        this.frameLength = h.readUInt32BE(1);
        this.checkFrame();
        this.stage = 'payload';
      } else if (this.stage === 'payload') {
        if (this.queue.length < this.frameLength) return;
        this.stage = 'frame';
        this.onFrame(this.queue.take(this.frameLength), onRecord);
      } else {
        if (this.queue.length > 0) throw new SnapshotError('data after the end frame');
        return;
      }
    }
  }

  /** Refuses a frame by its type and length, before its payload is buffered. */
  private checkFrame(): void {
    const [type, length] = [this.frameType, this.frameLength];
    const at = `frame at byte ${this.total - this.queue.length - FRAME_HEADER_BYTES}`;
    if (this.header === null && type !== TYPE_HEADER) throw new SnapshotError(`${at}: the first frame must be the header`);
    if (type === TYPE_HEADER) {
      if (this.header !== null) throw new SnapshotError(`${at}: a second header`);
      if (length > MAX_HEADER_BYTES) throw new SnapshotError(`${at}: header of ${length} bytes`);
    } else if (type === TYPE_RECORD) {
      if (length < 5 || length > MAX_RECORD_BYTES) throw new SnapshotError(`${at}: record of ${length} bytes (at most ${MAX_RECORD_BYTES})`);
    } else if (type === TYPE_END) {
      if (length !== END_PAYLOAD_BYTES) throw new SnapshotError(`${at}: end frame of ${length} bytes`);
    } else {
      throw new SnapshotError(`${at}: unknown frame type 0x${type.toString(16)}`);
    }
  }

  private onFrame(payload: Buffer, onRecord: RecordSink): void {
    if (this.frameType === TYPE_RECORD) {
      const keyLength = payload.readUInt32BE(0);
      if (keyLength < 1 || 4 + keyLength > payload.length) throw new SnapshotError(`record ${this.pairs}: key of ${keyLength} bytes in ${payload.length}`);
      const key = payload.subarray(4, 4 + keyLength);
      if (!REPLICATED_PREFIXES.has(key[0]!)) throw new SnapshotError(`record ${this.pairs} is foreign (prefix 0x${key[0]!.toString(16)})`);
      if (this.lastKey && Buffer.compare(key, this.lastKey) <= 0) throw new SnapshotError(`record ${this.pairs} is out of key order`);
      this.lastKey = key;
      this.pairs++;
      onRecord(key, payload.subarray(4 + keyLength));
    } else if (this.frameType === TYPE_HEADER) {
      this.header = decodeHeader(payload);
    } else {
      this.onEnd(payload);
    }
  }

  private onEnd(payload: Buffer): void {
    if (this.queue.length > 0) throw new SnapshotError('data after the end frame');
    const pairs = Number(payload.readBigUInt64BE(0));
    const bytes = Number(payload.readBigUInt64BE(8));
    const expected = payload.subarray(16).toString('hex');
    // The end frame is the stream's last END_FRAME_BYTES: exactly the bytes held back from the hash.
    const checksum = this.hash.digest('hex');
    const got = { pairs: this.pairs, bytes: this.total - END_FRAME_BYTES, checksum };
    if (pairs !== got.pairs || bytes !== got.bytes || expected !== checksum) {
      throw new SnapshotError(`snapshot checksum mismatch: got ${checksum}/${got.bytes} bytes/${got.pairs} records, expected ${expected}/${bytes}/${pairs}`);
    }
    this.info = { ...this.header!, ...got };
    this.stage = 'done';
  }

  /** Hashes everything received except its last END_FRAME_BYTES (copied, so no chunk is pinned). */
  private hashHoldingBack(buf: Buffer): void {
    if (buf.length >= END_FRAME_BYTES) {
      this.hash.update(this.tail);
      this.hash.update(buf.subarray(0, buf.length - END_FRAME_BYTES));
      this.tail = Buffer.from(buf.subarray(buf.length - END_FRAME_BYTES));
      return;
    }
    const joined = Buffer.concat([this.tail, buf]);
    const excess = joined.length - END_FRAME_BYTES;
    if (excess > 0) this.hash.update(joined.subarray(0, excess));
    this.tail = excess > 0 ? joined.subarray(excess) : joined;
  }
}

function checkPreamble(p: Buffer): void {
  if (!p.subarray(0, MAGIC.length).equals(MAGIC)) {
    // Format 1 was a msgpack map per chunk: a fixmap (0x80-0x8f) or map16/map32 byte first.
    const first = p[0]!;
    if ((first >= 0x80 && first <= 0x8f) || first === 0xde || first === 0xdf) {
      throw new SnapshotError(`snapshot format version 1 is not readable by this node, which reads version ${SNAPSHOT_FORMAT_VERSION}: upgrade the sender`);
    }
    throw new SnapshotError('not a raftdb state snapshot');
  }
  const version = p.readUInt32BE(MAGIC.length);
  if (version > SNAPSHOT_FORMAT_VERSION) {
    throw new SnapshotError(`snapshot format version ${version} is newer than this node's version ${SNAPSHOT_FORMAT_VERSION}: upgrade this node`);
  }
  if (version !== SNAPSHOT_FORMAT_VERSION) {
    throw new SnapshotError(`snapshot format version ${version} is not readable by this node, which reads version ${SNAPSHOT_FORMAT_VERSION}`);
  }
}

function decodeHeader(payload: Buffer): SnapshotHeader {
  let h: unknown;
  try {
    h = unpack(payload);
  } catch (err) {
    throw new SnapshotError(`snapshot header is not msgpack: ${(err as Error).message}`);
  }
  const r = (typeof h === 'object' && h !== null ? h : {}) as Record<string, unknown>;
  return { appliedIndex: headerInt(r, 'appliedIndex'), appliedTerm: headerInt(r, 'appliedTerm'), revision: headerInt(r, 'revision') };
}

function headerInt(r: Record<string, unknown>, field: string): number {
  const n = r[field];
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new SnapshotError(`snapshot header field ${field} is not a non-negative integer`);
  return n;
}
