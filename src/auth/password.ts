// Password hashing: scrypt from node:crypto with a random salt per user. The leader hashes a
// password before it proposes the user change, so the log, the snapshots and every follower see
// only the salt and the hash; checking a password costs one scrypt (about 16 MiB and tens of
// milliseconds), run on libuv's thread pool, off the event loop.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { PasswordHash } from '../state/index.js';

/** scrypt parameters for new hashes (N = 2^14, r = 8, p = 1: the values RFC 7914 suggests for interactive logins). */
export const SCRYPT_PARAMS = { N: 16_384, r: 8, p: 1 } as const;
const KEY_BYTES = 32;
const SALT_BYTES = 16;
/** Longest password accepted, in UTF-8 bytes (scrypt reads all of it). */
export const MAX_PASSWORD_BYTES = 1024;

function derive(password: string, salt: Uint8Array, keyLength: number, p: { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // scrypt needs 128 * N * r bytes; allow exactly that (plus slack) so bounded records always run.
    const maxmem = 128 * p.N * p.r * 2 + 1024 * 1024;
    scrypt(password.normalize('NFC'), salt, keyLength, { N: p.N, r: p.r, p: p.p, maxmem }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** Why `password` cannot be used, or null. */
export function badPassword(password: unknown): string | null {
  if (typeof password !== 'string' || password.length === 0) return 'must not be empty';
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) return `longer than ${MAX_PASSWORD_BYTES} bytes`;
  return null;
}

/** A new salted hash of `password`. */
export async function hashPassword(password: string, params: { N: number; r: number; p: number } = SCRYPT_PARAMS): Promise<PasswordHash> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, KEY_BYTES, params);
  return { algorithm: 'scrypt', salt, hash, N: params.N, r: params.r, p: params.p };
}

/** Whether `password` matches `stored` (constant-time comparison of the hashes). */
export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  if (badPassword(password) !== null || stored.hash.length === 0) return false;
  const hash = await derive(password, stored.salt, stored.hash.length, stored);
  return timingSafeEqual(hash, stored.hash);
}
