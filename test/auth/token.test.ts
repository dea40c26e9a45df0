// Tokens: what a signature covers, and what a forged, altered, foreign or oversized token gets.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MAX_TOKEN_CHARS, readToken, signToken } from '../../src/auth/token.js';

const key = Buffer.alloc(32, 1);
const claims = { user: 'alice', revision: 7, expiresAtMs: 1_700_000_000_000 };

describe('tokens', () => {
  it('round-trip their claims under the key that signed them', () => {
    expect(readToken(signToken(claims, key), key)).toEqual(claims);
  });

  it('do not verify under another key (a rotated key retires every token)', () => {
    expect(readToken(signToken(claims, key), Buffer.alloc(32, 2))).toEqual({ error: expect.stringContaining('signature') });
  });

  it('refuse altered claims, a cut signature and junk', () => {
    const t = signToken(claims, key);
    const [v, body, mac] = t.split('.');
    const forged = Buffer.from(JSON.stringify(['root', 7, 1_700_000_000_000])).toString('base64url');
    expect(readToken(`${v}.${forged}.${mac}`, key)).toEqual({ error: expect.stringContaining('signature') });
    expect(readToken(`${v}.${body}.${mac!.slice(0, 10)}`, key)).toEqual({ error: expect.stringContaining('signature') });
    expect(readToken(`${v}.${body}`, key)).toEqual({ error: 'not a raftdb token' });
    expect(readToken(`jwt.${body}.${mac}`, key)).toEqual({ error: 'not a raftdb token' });
    expect(readToken('x'.repeat(MAX_TOKEN_CHARS + 1), key)).toEqual({ error: expect.stringContaining('longer') });
  });

  it('refuse well-signed claims of the wrong shape', () => {
    const body = Buffer.from(JSON.stringify({ user: 'alice' })).toString('base64url');
    const mac = createHmac('sha256', key).update(`rdb1.${body}`).digest('base64url');
    expect(readToken(`rdb1.${body}.${mac}`, key)).toEqual({ error: 'token claims are malformed' });
  });
});
