// One chunk's raw bytes to stored bytes and back: compressed (node:zlib, on the thread pool), then,
// with a key, encrypted with AES-256-GCM. The GCM additional data binds a chunk to its file and
// its position (file id, manifest digest, chunk index), so chunks cannot be reordered, dropped
// from the middle or moved between backups without decryption failing.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Compression } from './format.js';
import type { BackupKey } from './keys.js';

const gzip = promisify(zlib.gzip);
const gunzip = promisify(zlib.gunzip);
const brotliCompress = promisify(zlib.brotliCompress);
const brotliDecompress = promisify(zlib.brotliDecompress);

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** How the chunks of one file are sealed. */
export interface ChunkCodec {
  compression: Compression;
  level: number;
  key: BackupKey | null;
  /** File-level additional data: file id and manifest digest. */
  fileAad: Buffer;
}

/** A chunk that cannot be opened; the reader adds the file, chunk and offset. */
export class ChunkOpenError extends Error {
  override name = 'ChunkOpenError';
}

function aad(codec: ChunkCodec, index: number): Buffer {
  const i = Buffer.alloc(4);
  i.writeUInt32BE(index);
  return Buffer.concat([codec.fileAad, i]);
}

/** Raw bytes to stored bytes. */
export async function sealChunk(codec: ChunkCodec, index: number, raw: Buffer): Promise<Buffer> {
  const packed = await compress(codec, raw);
  if (!codec.key) return packed;
  const nonce = randomBytes(NONCE_BYTES);
  const c = createCipheriv('aes-256-gcm', codec.key.key, nonce);
  c.setAAD(aad(codec, index));
  const body = Buffer.concat([c.update(packed), c.final()]);
  return Buffer.concat([nonce, body, c.getAuthTag()]);
}

/** Stored bytes back to the raw bytes, which must be `rawLength` long; ChunkOpenError says why not. */
export async function openChunk(codec: ChunkCodec, index: number, stored: Buffer, rawLength: number): Promise<Buffer> {
  let packed = stored;
  if (codec.key) {
    if (stored.length < NONCE_BYTES + TAG_BYTES) throw new ChunkOpenError(`${stored.length} stored bytes cannot hold a nonce and a tag`);
    const d = createDecipheriv('aes-256-gcm', codec.key.key, stored.subarray(0, NONCE_BYTES));
    d.setAAD(aad(codec, index));
    d.setAuthTag(stored.subarray(stored.length - TAG_BYTES));
    try {
      packed = Buffer.concat([d.update(stored.subarray(NONCE_BYTES, stored.length - TAG_BYTES)), d.final()]);
    } catch {
      throw new ChunkOpenError(`decryption failed (authentication tag mismatch): the data was altered, or the key is not the one it was written with (key id ${codec.key.id})`);
    }
  }
  let raw: Buffer;
  try {
    raw = await decompress(codec.compression, packed, rawLength);
  } catch (err) {
    throw new ChunkOpenError(`${codec.compression} decompression failed: ${(err as Error).message}`);
  }
  if (raw.length !== rawLength) throw new ChunkOpenError(`decompressed to ${raw.length} bytes, the chunk header says ${rawLength}`);
  return raw;
}

async function compress(codec: ChunkCodec, raw: Buffer): Promise<Buffer> {
  switch (codec.compression) {
    case 'gzip':
      return gzip(raw, { level: codec.level });
    case 'brotli':
      return brotliCompress(raw, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: codec.level, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length } });
    case 'none':
      return raw;
  }
}

/** Never produces more than `rawLength` + 1 bytes, whatever the input claims (a decompression bomb). */
async function decompress(compression: Compression, packed: Buffer, rawLength: number): Promise<Buffer> {
  const maxOutputLength = Math.max(1, rawLength + 1);
  switch (compression) {
    case 'gzip':
      return gunzip(packed, { maxOutputLength });
    case 'brotli':
      return brotliDecompress(packed, { maxOutputLength });
    case 'none':
      return packed;
  }
}
