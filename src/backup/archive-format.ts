// Continuous-archive segments, version 1 (docs/backup.md, "Continuous archiving"): one file per
// run of consecutive revisions, named archive-<first>-<last>.rdar (16-digit revisions, so names
// sort by revision):
//
//   preamble  "RAFTDBAR" (8 bytes), format version (u32 BE)
//   header    'H', JSON length (u32 BE), sha256 of the JSON (32), header JSON
//   body      'B', raw length (u32 BE), stored length (u32 BE), sha256 of the stored bytes (32),
//             stored bytes = gzip(msgpack([[revision, atMs, index, [[type, key, value,
//             createRevision, version, prevModRevision], ...]], ...])), then with a key
//             AES-256-GCM as a backup chunk (nonce, ciphertext, tag; AAD: magic + header digest)
//   footer    sha256 of every byte before it (32), "RAFTDBAE"
//
// A segment is small (at most segmentBytes of changes, default 16 MiB) and read whole.
import { createHash } from 'node:crypto';
import { pack, unpack } from '../state/codec.js';
import type { ArchivedChange, ArchivedRevision } from '../state/index.js';
import { type ChunkCodec, openChunk, sealChunk } from './chunk-codec.js';
import { BackupCorruptError, BackupVersionError } from './errors.js';
import { type BackupKey, keyFor } from './keys.js';
import { jsonFrame, JSON_FRAME_HEADER_BYTES, MAX_JSON_BYTES, sha256, TYPE_HEADER } from './format.js';


export const ARCHIVE_FORMAT_VERSION = 1;
const MAGIC = Buffer.from('RAFTDBAR', 'latin1');
const FOOTER_MAGIC = Buffer.from('RAFTDBAE', 'latin1');
const TYPE_BODY = 0x42; // 'B'
const BODY_HEADER_BYTES = 1 + 4 + 4 + 32;
const FOOTER_BYTES = 32 + FOOTER_MAGIC.length;
/** Largest body a reader accepts (raw), so a damaged length cannot make it allocate without bound. */
export const MAX_SEGMENT_RAW_BYTES = 256 * 1024 * 1024;
export const SEGMENT_EXTENSION = '.rdar';

/** What a segment's header says. */
export interface SegmentHeader {
  clusterId: string;
  /** The member that wrote it (the leader then). */
  memberId: string;
  firstRevision: number;
  lastRevision: number;
  revisions: number;
  /** When the first and last revision were applied on that member (or archived, if it did not see them applied). */
  firstAtMs: number;
  lastAtMs: number;
  createdAtMs: number;
  /** Null (or absent) when the body is not encrypted; the key id names the key, never the key. */
  encryption?: { algorithm: 'aes-256-gcm'; keyId: string } | null;
}

/** An archived revision with when it was applied and the Raft index that applied it (0: unknown). */
export interface TimedRevision extends ArchivedRevision {
  atMs: number;
  index: number;
}

/** A segment's file name. */
export function segmentName(first: number, last: number): string {
  return `archive-${String(first).padStart(16, '0')}-${String(last).padStart(16, '0')}${SEGMENT_EXTENSION}`;
}

/** The revisions a segment file name covers, or null when it is not a segment's name. */
export function parseSegmentName(name: string): { first: number; last: number } | null {
  const m = /^archive-(\d{16})-(\d{16})\.rdar$/.exec(name);
  if (!m) return null;
  const [first, last] = [Number(m[1]), Number(m[2])];
  return first >= 1 && last >= first ? { first, last } : null;
}

/** Encodes one segment. */
export async function encodeSegment(
  h: Omit<SegmentHeader, 'firstRevision' | 'lastRevision' | 'revisions' | 'firstAtMs' | 'lastAtMs' | 'encryption'>,
  revs: readonly TimedRevision[],
  key: BackupKey | null = null,
): Promise<Buffer> {
  const first = revs[0]!;
  const last = revs[revs.length - 1]!;
  const encryption = key ? { algorithm: 'aes-256-gcm' as const, keyId: key.id } : null;
  const header: SegmentHeader = { ...h, firstRevision: first.revision, lastRevision: last.revision, revisions: revs.length, firstAtMs: first.atMs, lastAtMs: last.atMs, encryption };
  const raw = pack(revs.map((r) => [r.revision, r.atMs, r.index, r.changes.map((c) => [c.type === 'put' ? 0 : 1, c.key, c.value, c.createRevision, c.version, c.prevModRevision])]));
  const headerFrame = jsonFrame(TYPE_HEADER, header);
  // The body as a backup chunk is: gzip, then with a key AES-256-GCM bound to this header.
  const stored = await sealChunk(bodyCodec(headerFrame, key), 0, raw);
  const pre = Buffer.alloc(12);
  MAGIC.copy(pre);
  pre.writeUInt32BE(ARCHIVE_FORMAT_VERSION, 8);
  const body = Buffer.alloc(BODY_HEADER_BYTES);
  body[0] = TYPE_BODY;
  body.writeUInt32BE(raw.length, 1);
  body.writeUInt32BE(stored.length, 5);
  sha256(stored).copy(body, 9);
  const before = Buffer.concat([pre, headerFrame, body, stored]);
  return Buffer.concat([before, sha256(before), FOOTER_MAGIC]);
}

/** Decodes and checks one segment file's bytes; BackupCorruptError names the file, part and offset. */
export async function decodeSegment(file: string, buf: Buffer, keys: readonly BackupKey[] = []): Promise<{ header: SegmentHeader; revisions: TimedRevision[] }> {
  const bad = (part: 'preamble' | 'header' | 'chunk' | 'footer', offset: number, why: string): BackupCorruptError =>
    new BackupCorruptError(file, part === 'chunk' ? { part, chunk: 0, offset } : { part, offset }, why);
  if (buf.length < 12 + JSON_FRAME_HEADER_BYTES + BODY_HEADER_BYTES + FOOTER_BYTES) throw bad('preamble', 0, `truncated: ${buf.length} bytes cannot hold a segment`);
  if (!buf.subarray(0, 8).equals(MAGIC)) throw bad('preamble', 0, 'not a raftdb archive segment (no RAFTDBAR magic)');
  const version = buf.readUInt32BE(8);
  if (version !== ARCHIVE_FORMAT_VERSION) throw new BackupVersionError(file, version, ARCHIVE_FORMAT_VERSION);
  const footerAt = buf.length - FOOTER_BYTES;
  if (!buf.subarray(footerAt + 32).equals(FOOTER_MAGIC)) throw bad('footer', footerAt, 'footer magic is missing (truncated or damaged)');
  if (!createHash('sha256').update(buf.subarray(0, footerAt)).digest().equals(buf.subarray(footerAt, footerAt + 32))) {
    // Find the part that is damaged, for the message; the digest alone says that something is.
    const where = locate(buf, footerAt);
    throw bad(where.part, where.offset, `${where.why}; whole-file digest mismatch`);
  }
  const hlen = buf.readUInt32BE(13);
  const header = JSON.parse(buf.subarray(12 + JSON_FRAME_HEADER_BYTES, 12 + JSON_FRAME_HEADER_BYTES + hlen).toString('utf8')) as SegmentHeader;
  const bodyAt = 12 + JSON_FRAME_HEADER_BYTES + hlen;
  const rawLength = buf.readUInt32BE(bodyAt + 1);
  if (rawLength > MAX_SEGMENT_RAW_BYTES) throw bad('chunk', bodyAt, `raw length ${rawLength} is over ${MAX_SEGMENT_RAW_BYTES}`);
  const stored = buf.subarray(bodyAt + BODY_HEADER_BYTES, footerAt);
  const key = header.encryption ? keyFor(file, header.encryption.keyId, keys) : null;
  let revisions: TimedRevision[];
  try {
    const raw = await openChunk(bodyCodec(buf.subarray(12, bodyAt), key), 0, stored, rawLength);
    revisions = (unpack(raw) as unknown[]).map(toRevision);
  } catch (err) {
    throw bad('chunk', bodyAt, `undecodable body: ${(err as Error).message}`);
  }
  const ok = revisions.length === header.revisions && revisions[0]?.revision === header.firstRevision && revisions.at(-1)?.revision === header.lastRevision;
  if (!ok || revisions.some((r, i) => i > 0 && r.revision !== revisions[i - 1]!.revision + 1)) throw bad('chunk', bodyAt, 'the revisions are not the consecutive run the header names');
  return { header, revisions };
}

/** Which part of a segment whose digest failed is damaged (best effort, for the message). */
function locate(buf: Buffer, footerAt: number): { part: 'header' | 'chunk' | 'footer'; offset: number; why: string } {
  const hlen = buf.readUInt32BE(13);
  const json = buf.subarray(12 + JSON_FRAME_HEADER_BYTES, 12 + JSON_FRAME_HEADER_BYTES + hlen);
  if (hlen > MAX_JSON_BYTES || buf[12] !== TYPE_HEADER || !sha256(json).equals(buf.subarray(17, 49))) return { part: 'header', offset: 12, why: 'header checksum mismatch' };
  const bodyAt = 12 + JSON_FRAME_HEADER_BYTES + hlen;
  const stored = buf.subarray(bodyAt + BODY_HEADER_BYTES, footerAt);
  if (buf[bodyAt] !== TYPE_BODY || buf.readUInt32BE(bodyAt + 5) !== stored.length || !sha256(stored).equals(buf.subarray(bodyAt + 9, bodyAt + 41))) {
    return { part: 'chunk', offset: bodyAt, why: 'body checksum mismatch' };
  }
  return { part: 'footer', offset: footerAt, why: 'footer digest damaged' };
}

/** How a segment's body is sealed: gzip level 6, AES-256-GCM with `key`, bound to the header frame. */
function bodyCodec(headerFrame: Buffer, key: BackupKey | null): ChunkCodec {
  return { compression: 'gzip', level: 6, key, fileAad: Buffer.concat([MAGIC, sha256(headerFrame)]) };
}

function toRevision(x: unknown): TimedRevision {
  const [revision, atMs, index, changes] = x as [number, number, number, unknown[]];
  if (!Number.isSafeInteger(revision) || !Array.isArray(changes)) throw new Error('malformed revision record');
  return { revision, atMs, index, changes: changes.map(toChange) };
}

function toChange(x: unknown): ArchivedChange {
  const [t, key, value, createRevision, version, prevModRevision] = x as [number, Uint8Array, Uint8Array, number, number, number];
  if (!(key instanceof Uint8Array) || !(value instanceof Uint8Array)) throw new Error('malformed change record');
  return { type: t === 0 ? 'put' : 'delete', key, value, createRevision, version, prevModRevision };
}
