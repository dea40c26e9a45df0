// The backup file format, version 1 (docs/backup.md, "File format"):
//
//   preamble  "RAFTDBBK" (8 bytes), format version (u32 BE)
//   header    'H', JSON length (u32 BE), sha256 of the JSON (32), manifest JSON (UTF-8)
//   chunk*    'C', index (u32 BE), raw length (u32 BE), stored length (u32 BE),
//             sha256 of the stored bytes (32), stored bytes (compressed, then maybe encrypted)
//   trailer   'T', JSON length (u32 BE), sha256 of the JSON (32), trailer JSON
//   footer    trailer offset (u64 BE), sha256 of every byte before this digest (32), "RAFTDBBE"
//
// The chunks' raw bytes, in order, are one snapshot stream (src/state/snapshot-format.ts), which
// carries its own record framing and end checksum. Every part has its own checksum, so damage is
// reported where it is; the footer's digest covers the whole file for a check without parsing.
import { createHash } from 'node:crypto';

/** The version this raftdb writes and the only one it reads. */
export const BACKUP_FORMAT_VERSION = 1;
export const MAGIC = Buffer.from('RAFTDBBK', 'latin1');
export const FOOTER_MAGIC = Buffer.from('RAFTDBBE', 'latin1');
export const PREAMBLE_BYTES = MAGIC.length + 4;
/** 'H' or 'T', length, sha256. */
export const JSON_FRAME_HEADER_BYTES = 1 + 4 + 32;
/** 'C', index, raw length, stored length, sha256. */
export const CHUNK_HEADER_BYTES = 1 + 4 + 4 + 4 + 32;
/** trailer offset, digest, magic. */
export const FOOTER_BYTES = 8 + 32 + FOOTER_MAGIC.length;
export const TYPE_HEADER = 0x48; // 'H'
export const TYPE_CHUNK = 0x43; // 'C'
export const TYPE_TRAILER = 0x54; // 'T'
/** The manifest and the trailer are small; a larger length is damage, refused before reading it. */
export const MAX_JSON_BYTES = 64 * 1024;
/** Largest raw chunk a writer makes and a reader accepts. */
export const MAX_CHUNK_BYTES = 64 * 1024 * 1024;
/** Stored bytes may exceed raw ones a little (incompressible data, nonce and tag). */
export const MAX_STORED_BYTES = MAX_CHUNK_BYTES + MAX_CHUNK_BYTES / 64 + 4096;
/** Default raw bytes per chunk: large enough for compression to work, small enough to bound memory. */
export const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;
/** The file name's extension; a file being written ends in `.partial` instead. */
export const BACKUP_EXTENSION = '.rdbk';
export const PARTIAL_EXTENSION = '.partial';

export type Compression = 'gzip' | 'brotli' | 'none';
export const COMPRESSIONS: readonly Compression[] = ['gzip', 'brotli', 'none'];
/** Levels per algorithm: gzip 1-9 (default 6), brotli quality 0-11 (default 5). */
export const LEVELS: Record<Compression, { min: number; max: number; default: number }> = {
  gzip: { min: 1, max: 9, default: 6 },
  brotli: { min: 0, max: 11, default: 5 },
  none: { min: 0, max: 0, default: 0 },
};

/** What a backup file holds, written before its data. */
export interface FileManifest {
  /** Random, 32 hex digits: names the file and binds its chunks to it (encryption AAD). */
  id: string;
  clusterId: string;
  memberId: string;
  revision: number;
  raftIndex: number;
  raftTerm: number;
  /** When the member took the snapshot (Unix ms, its clock). */
  createdAtMs: number;
  raftdbVersion: string;
  snapshotFormatVersion: number;
  hashAlgorithm: string;
  compression: Compression;
  level: number;
  chunkBytes: number;
  /** Null when not encrypted. The key id names the key; the key itself is never stored. */
  encryption: { algorithm: 'aes-256-gcm'; keyId: string } | null;
}

/** What the data added up to, written after it. */
export interface FileTrailer {
  chunks: number;
  /** Bytes of the snapshot stream (the chunks' raw bytes). */
  rawBytes: number;
  /** Bytes of the chunks' stored bytes. */
  storedBytes: number;
  keyCount: number;
  hashKv: string;
  records: number;
  /** The snapshot stream's own end checksum (sha256 hex of its bytes before the end frame). */
  snapshotSha256: string;
  finishedAtMs: number;
}

/** A JSON frame ('H' or 'T'): type, length, sha256, JSON. */
export function jsonFrame(type: number, value: object): Buffer {
  const json = Buffer.from(JSON.stringify(value), 'utf8');
  const head = Buffer.alloc(JSON_FRAME_HEADER_BYTES);
  head[0] = type;
  head.writeUInt32BE(json.length, 1);
  sha256(json).copy(head, 5);
  return Buffer.concat([head, json]);
}

/** The preamble of this version. */
export function preamble(): Buffer {
  const p = Buffer.alloc(PREAMBLE_BYTES);
  MAGIC.copy(p);
  p.writeUInt32BE(BACKUP_FORMAT_VERSION, MAGIC.length);
  return p;
}

/** A chunk's header. */
export function chunkHeader(index: number, rawLength: number, stored: Buffer): Buffer {
  const h = Buffer.alloc(CHUNK_HEADER_BYTES);
  h[0] = TYPE_CHUNK;
  h.writeUInt32BE(index, 1);
  h.writeUInt32BE(rawLength, 5);
  h.writeUInt32BE(stored.length, 9);
  sha256(stored).copy(h, 13);
  return h;
}

export function sha256(b: Uint8Array): Buffer {
  return createHash('sha256').update(b).digest();
}

/** Checks a decoded manifest field by field; returns the reason it is unusable, or null. */
export function manifestProblem(m: unknown): string | null {
  if (typeof m !== 'object' || m === null) return 'the manifest is not an object';
  const r = m as Record<string, unknown>;
  for (const f of ['id', 'clusterId', 'memberId', 'raftdbVersion', 'hashAlgorithm'] as const) if (typeof r[f] !== 'string') return `manifest field ${f} is not a string`;
  for (const f of ['revision', 'raftIndex', 'raftTerm', 'createdAtMs', 'snapshotFormatVersion', 'level', 'chunkBytes'] as const) {
    if (!isCount(r[f])) return `manifest field ${f} is not a non-negative integer`;
  }
  if (!/^[0-9a-f]{32}$/.test(r.id as string)) return 'manifest field id is not 32 hex digits';
  if (!COMPRESSIONS.includes(r.compression as Compression)) return `manifest field compression is ${JSON.stringify(r.compression)}, not one of ${COMPRESSIONS.join(', ')}`;
  if ((r.chunkBytes as number) < 1 || (r.chunkBytes as number) > MAX_CHUNK_BYTES) return `manifest field chunkBytes is out of range`;
  const e = r.encryption;
  if (e !== null) {
    const enc = (typeof e === 'object' ? e : {}) as Record<string, unknown>;
    if (enc.algorithm !== 'aes-256-gcm' || typeof enc.keyId !== 'string' || !/^[0-9a-f]{16}$/.test(enc.keyId)) return 'manifest field encryption is malformed';
  }
  return null;
}

/** Checks a decoded trailer; returns the reason it is unusable, or null. */
export function trailerProblem(t: unknown): string | null {
  if (typeof t !== 'object' || t === null) return 'the trailer is not an object';
  const r = t as Record<string, unknown>;
  for (const f of ['chunks', 'rawBytes', 'storedBytes', 'keyCount', 'records', 'finishedAtMs'] as const) {
    if (!isCount(r[f])) return `trailer field ${f} is not a non-negative integer`;
  }
  for (const f of ['hashKv', 'snapshotSha256'] as const) if (typeof r[f] !== 'string' || !/^[0-9a-f]{64}$/.test(r[f] as string)) return `trailer field ${f} is not a sha256`;
  return null;
}

function isCount(n: unknown): boolean {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}
