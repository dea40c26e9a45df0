// The caller of a request forwarded on Raft.Forward (forwardedCaller, built from the forwarded
// fields) must be exactly the caller a unary-forwarded request's metadata gives (callerOf): the
// leader authenticates, authorizes and audits both alike.
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { CLIENT_METADATA, callerOf, forwardedCaller, TOKEN_METADATA, USER_METADATA } from '../../src/server/caller.js';
import { FORWARDED } from '../../src/server/forwarder.js';

const PEER = 'ipv4:10.0.0.2:40000';

function viaMetadata(fields: { token: string; user: string; clientAddress: string }, certificate: Buffer | undefined) {
  const md = new grpc.Metadata();
  md.set(FORWARDED, '1');
  if (fields.token) md.set(TOKEN_METADATA, fields.token);
  if (fields.user) md.set(USER_METADATA, fields.user);
  if (fields.clientAddress) md.set(CLIENT_METADATA, fields.clientAddress);
  return callerOf({ metadata: md, getPeer: () => PEER, getAuthContext: () => ({ sslPeerCertificate: certificate ? { raw: certificate } : undefined }) });
}

describe('forwardedCaller', () => {
  const cert = Buffer.from('30820102', 'hex');
  const cases: [string, { token: string; user: string; clientAddress: string }, Buffer | undefined][] = [
    ['a token and the client address', { token: 'tok.en', user: '', clientAddress: 'ipv4:10.0.0.9:5555' }, cert],
    ['a user asserted by a member with a certificate', { token: '', user: 'alice', clientAddress: 'ipv6:[::1]:7' }, cert],
    ['nothing: the address falls back to the member', { token: '', user: '', clientAddress: '' }, undefined],
    ['an empty certificate counts as none', { token: 't', user: 'u', clientAddress: '' }, Buffer.alloc(0)],
    ['values past 2 KiB are clipped', { token: 'x'.repeat(3000), user: 'y'.repeat(2049), clientAddress: 'z'.repeat(2100) }, cert],
  ];
  for (const [name, fields, certificate] of cases) {
    it(`is the caller a unary forward's metadata gives: ${name}`, () => {
      expect(forwardedCaller(fields, PEER, certificate)).toEqual(viaMetadata(fields, certificate));
    });
  }
});
