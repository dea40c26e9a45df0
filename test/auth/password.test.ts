// Password hashing: scrypt with a salt per hash, parameters kept with the hash, constant-time check.
import { describe, expect, it } from 'vitest';
import { badPassword, hashPassword, MAX_PASSWORD_BYTES, verifyPassword } from '../../src/auth/password.js';

describe('passwords', () => {
  it('verifies the right password only; two hashes of one password differ (salt)', async () => {
    const a = await hashPassword('s3cret');
    const b = await hashPassword('s3cret');
    expect(a).toMatchObject({ algorithm: 'scrypt', N: 16384, r: 8, p: 1 });
    expect(Buffer.from(a.salt).equals(Buffer.from(b.salt))).toBe(false);
    expect(Buffer.from(a.hash).equals(Buffer.from(b.hash))).toBe(false);
    expect(await verifyPassword('s3cret', a)).toBe(true);
    expect(await verifyPassword('s3cret ', a)).toBe(false);
    expect(await verifyPassword('S3cret', b)).toBe(false);
    expect(await verifyPassword('', a)).toBe(false);
  });

  it('uses the parameters stored with a hash', async () => {
    const cheap = await hashPassword('pw', { N: 1024, r: 4, p: 1 });
    expect(cheap).toMatchObject({ N: 1024, r: 4 });
    expect(await verifyPassword('pw', cheap)).toBe(true);
    expect(await verifyPassword('pw', { ...cheap, N: 2048 })).toBe(false);
  });

  it('refuses empty and oversized passwords; composed and decomposed accents are one password', async () => {
    expect(badPassword('')).toMatch(/empty/);
    expect(badPassword('x'.repeat(MAX_PASSWORD_BYTES + 1))).toMatch(/longer/);
    expect(badPassword('ok')).toBeNull();
    const h = await hashPassword('caf\u00e9', { N: 1024, r: 1, p: 1 });
    expect(await verifyPassword('cafe\u0301', h)).toBe(true);
  });
});
