// Users known by their client certificate's CN, with real processes over TLS: no password and no
// token, on the leader and through a follower (which vouches for the user only because its peer
// certificate proves it is a member); a certificate naming no user, and a client claiming to be
// a forwarding node, are refused.
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { issueClientCertificate } from '../../src/tls/generate.js';
import { RawKv } from './fixtures/raw.js';
import { RawAuth, RawPipeline } from './fixtures/raw-auth.js';
import { logTailsOnFailure, ProcessCluster } from './process-cluster.js';

const b = (s: string): Buffer => Buffer.from(s);

/** Channel credentials with the cluster's CA and the client certificate `name` (client = CN root). */
function creds(cluster: ProcessCluster, name: string): grpc.ChannelCredentials {
  const d = cluster.certsDir;
  return grpc.credentials.createSsl(readFileSync(join(d, 'ca.crt')), readFileSync(join(d, `${name}.key`)), readFileSync(join(d, `${name}.crt`)));
}

async function setUp(cluster: ProcessCluster): Promise<void> {
  await issueClientCertificate(cluster.certsDir, 'alice');
  await issueClientCertificate(cluster.certsDir, 'mallory');
  const admin = cluster.client(); // the root certificate; auth is still off
  await admin.auth.userAdd('root', null);
  await admin.auth.userGrantRole('root', 'root');
  await admin.auth.userAdd('alice', null);
  await admin.auth.roleAdd('app');
  await admin.auth.roleGrantPermission('app', 'readwrite', { key: 'app/', prefix: true });
  await admin.auth.userGrantRole('alice', 'app');
  await admin.auth.enable();
}

describe('users named by client certificates, TLS with peer certificates', () => {
  let cluster: ProcessCluster | undefined;
  let leader: string;
  let follower: string;
  beforeAll(async () => {
    cluster = await ProcessCluster.start({ nodes: 3, tls: { clientCertAuth: true } });
    await setUp(cluster);
    leader = (await cluster.leader()).address;
    follower = cluster.endpoints().find((e) => e !== leader)!;
  });
  afterAll(async () => cluster?.close());
  logTailsOnFailure(() => cluster);

  test('a certificate is its CN\'s user, on the leader and through a follower, unary and pipeline', async () => {
    const alice = creds(cluster!, 'client-alice');
    for (const node of [leader, follower]) {
      const kv = new RawKv(node, alice);
      expect(await kv.call('Put', { key: b(`app/${node}`), value: b('v') })).toMatchObject({ code: 'OK' });
      expect(await kv.call('Get', { key: b(`app/${node}`) })).toMatchObject({ code: 'OK', response: { found: true } });
      expect(await kv.call('Put', { key: b('secret'), value: b('v') })).toMatchObject({ code: 'PERMISSION_DENIED', details: 'permission denied: user "alice" may not write key "secret"' });
      kv.close();
      const p = new RawPipeline(node, undefined, alice);
      expect(await p.call('put', { key: b('app/p'), value: b('v') })).toMatchObject({ code: 'OK' });
      expect(await p.call('range', { key: b('a'), rangeEnd: b('b') })).toMatchObject({ code: 'PERMISSION_DENIED' });
      p.close();
    }
    // The root certificate, without a token, is root.
    const root = cluster!.client();
    expect(await root.auth.userList()).toEqual(['alice', 'root']);
    // No password: Authenticate cannot make a token for a certificate-only user.
    expect(await new RawAuth(leader, alice).call('Authenticate', { name: 'alice', password: 'x' })).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  test('a certificate whose CN is no user is refused', async () => {
    const kv = new RawKv(follower, creds(cluster!, 'client-mallory'));
    expect(await kv.call('Get', { key: b('app/x'), consistency: 'SERIALIZABLE' })).toMatchObject({ code: 'UNAUTHENTICATED', details: expect.stringContaining('"mallory", which is not a user') });
    kv.close();
  });

  test('a client claiming to forward for root is not believed (only a member\'s certificate vouches)', async () => {
    const kv = new RawKv(leader, creds(cluster!, 'client-alice'));
    const forged = { 'raftdb-forwarded': '1', 'raftdb-user': 'root' };
    expect(await kv.call('Put', { key: b('secret'), value: b('x') }, 5000, forged)).toMatchObject({ code: 'UNAUTHENTICATED', details: expect.stringContaining('believed only from a member') });
    const admin = new RawAuth(leader, creds(cluster!, 'client-alice'));
    expect(await admin.call('UserList')).toMatchObject({ code: 'PERMISSION_DENIED' });
    kv.close();
    expect((await cluster!.client().get('secret')).kv).toBeNull();
  });
});
