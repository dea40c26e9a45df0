// Encryption keys of backups: 32 random bytes in a key file (raw, or as 64 hex digits, or as
// base64), named by a key id derived from the key. A backup's manifest records the key id, never
// the key, so `verify` and `restore` can say which key a backup needs.
import { createHash, randomBytes } from 'node:crypto';
import { open, readFile, stat } from 'node:fs/promises';
import { BackupKeyError } from './errors.js';

/** AES-256: 32 bytes. */
export const KEY_BYTES = 32;
/** Key files are tiny; anything larger is the wrong file. */
const MAX_KEY_FILE_BYTES = 1024;

/** A loaded key and its id. */
export interface BackupKey {
  /** 16 hex digits: the first 8 bytes of sha256("raftdb-backup-key-id\0" + key). */
  id: string;
  key: Buffer;
}

/** The id of a key: it identifies the key without revealing it. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('raftdb-backup-key-id\0').update(key).digest('hex').slice(0, 16);
}

/** Reads a key file: 32 raw bytes, 64 hex digits or base64 of 32 bytes (surrounding whitespace ignored). */
export async function loadKeyFile(path: string): Promise<BackupKey> {
  let bytes: Buffer;
  try {
    if ((await stat(path)).size > MAX_KEY_FILE_BYTES) throw new BackupKeyError(`key file ${path} is larger than ${MAX_KEY_FILE_BYTES} bytes: not a backup key`);
    bytes = await readFile(path);
  } catch (err) {
    if (err instanceof BackupKeyError) throw err;
    throw new BackupKeyError(`cannot read key file ${path}: ${(err as Error).message}`);
  }
  const key = parseKey(bytes);
  if (!key) throw new BackupKeyError(`key file ${path} holds no ${KEY_BYTES}-byte key (expected ${KEY_BYTES} raw bytes, ${KEY_BYTES * 2} hex digits or base64; make one with raftdb backup keygen)`);
  return { id: keyIdOf(key), key };
}

function parseKey(bytes: Buffer): Buffer | null {
  if (bytes.length === KEY_BYTES) return bytes;
  const text = bytes.toString('latin1').trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/]{43}=$/.test(text)) {
    const b = Buffer.from(text, 'base64');
    if (b.length === KEY_BYTES) return b;
  }
  return null;
}

/** Writes a new random key to `path` as hex (mode 0600; refuses to overwrite a file). */
export async function generateKeyFile(path: string): Promise<BackupKey> {
  const key = randomBytes(KEY_BYTES);
  const fh = await open(path, 'wx', 0o600);
  try {
    await fh.writeFile(`${key.toString('hex')}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
  return { id: keyIdOf(key), key };
}

/** Picks the key a backup needs from those given, or says which one is missing. */
export function keyFor(file: string, keyId: string, keys: readonly BackupKey[]): BackupKey {
  const k = keys.find((x) => x.id === keyId);
  if (k) return k;
  if (keys.length === 0) throw new BackupKeyError(`backup ${file} is encrypted with key id ${keyId}: give its key file with --key-file`);
  throw new BackupKeyError(`backup ${file} is encrypted with key id ${keyId}, and no key file given has that id (given: ${keys.map((x) => x.id).join(', ')})`);
}
