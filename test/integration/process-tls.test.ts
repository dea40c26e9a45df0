// TLS on every listener, with real processes: clients need the CA (and, with --client-cert-auth,
// a certificate); peers need a certificate that names a current member. A process holding a valid
// CA-signed certificate that is not a member's — or a client's certificate, or a member's
// certificate used to speak for another member — cannot make any node change term, step down,
// vote or append. Certificates reload on SIGHUP; a bad reload keeps the old one; an expired
// certificate stops a node from starting, with the file and the dates in the message.
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connect } from '../../src/client/index.js';
import { initCertificates } from '../../src/tls/generate.js';
import { disruptiveMessages, Intruder } from './fixtures/intruder.js';
import { eventually } from './fixtures/load.js';
import { logTailsOnFailure, MAIN, ProcessCluster } from './process-cluster.js';

const run = promisify(execFile);

/** The serial number of the certificate a TLS server presents at `address`. */
function servedSerial(address: string, ca: Buffer): Promise<string> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host, port, ca, ALPNProtocols: ['h2'], checkServerIdentity: () => undefined }, () => {
      resolve(s.getPeerCertificate().serialNumber);
      s.end();
    });
    s.on('error', reject);
  });
}

describe('TLS everywhere, 3 processes with --client-cert-auth', () => {
  let cluster: ProcessCluster | undefined;
  beforeAll(async () => {
    cluster = await ProcessCluster.start({ nodes: 3, tls: { clientCertAuth: true, extraNames: ['n9'] } });
  });
  afterAll(async () => cluster?.close());
  logTailsOnFailure(() => cluster);
  const file = (name: string): string => join(cluster!.certsDir, name);

  test('a client with the CA and a certificate reads and writes; HTTPS serves health', async () => {
    const client = cluster!.client();
    await client.put('tls/a', 'v1');
    expect(await client.getString('tls/a')).toBe('v1');
    const leader = await cluster!.leader();
    const http = cluster!.nodes.get(leader.id)!.http;
    const body = await new Promise<string>((resolve, reject) => {
      const [host, port] = http.split(':');
      request({ host, port: Number(port), path: '/healthz', ca: readFileSync(file('ca.crt')) }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(text));
      })
        .on('error', reject)
        .end();
    });
    expect(JSON.parse(body)).toMatchObject({ status: 'healthy' });
  });

  test('plaintext, a certificate from another CA, and no client certificate are all refused', async () => {
    const other = join(cluster!.dir, 'other-ca');
    await initCertificates(other, { nodes: ['x'] });
    const attempts = {
      plaintext: connect({ endpoints: cluster!.endpoints(), timeoutMs: 1500 }),
      otherCa: connect({ endpoints: cluster!.endpoints(), timeoutMs: 1500, tls: { caFile: join(other, 'ca.crt'), certFile: join(other, 'client.crt'), keyFile: join(other, 'client.key') } }),
      otherClientCert: connect({ endpoints: cluster!.endpoints(), timeoutMs: 1500, tls: { caFile: file('ca.crt'), certFile: join(other, 'client.crt'), keyFile: join(other, 'client.key') } }),
      noClientCert: connect({ endpoints: cluster!.endpoints(), timeoutMs: 1500, tls: { caFile: file('ca.crt') } }),
    };
    for (const [name, c] of Object.entries(attempts)) {
      const err = await c.put('tls/refused', name).then(() => null, (e: { code: string }) => e);
      expect(err?.code, name).toBe('UNAVAILABLE');
      c.close();
    }
    expect(await cluster!.client().getString('tls/refused')).toBeNull();
  });

  test('a non-member with a valid CA-signed certificate cannot move any node', async () => {
    const c = cluster!;
    const before = new Map(await Promise.all([...c.nodes.keys()].map(async (id) => [id, await c.status(id)] as const)));
    const ca = readFileSync(file('ca.crt'));
    const creds = {
      n9: grpc.credentials.createSsl(ca, readFileSync(file('n9.key')), readFileSync(file('n9.crt'))),
      client: grpc.credentials.createSsl(ca, readFileSync(file('client.key')), readFileSync(file('client.crt'))),
      none: grpc.credentials.createSsl(ca),
    };
    const outcomes: string[] = [];
    for (const [id, node] of c.nodes) {
      const term = before.get(id)!.term;
      for (const [who, cred] of Object.entries(creds)) {
        const intruder = new Intruder(node.address, cred, 'proc-test');
        try {
          // As itself, as a member it is not (n1, or n2 for n1), with a small and a huge term.
          for (const from of ['n9', id === 'n1' ? 'n2' : 'n1', 'root']) {
            for (const t of [term + 10, Number.MAX_SAFE_INTEGER - 1]) {
              outcomes.push(`${who}->${id} as ${from} send: ${await intruder.send(from, disruptiveMessages(from, id, t))}`);
              outcomes.push(`${who}->${id} as ${from} stream: ${await intruder.stream(from, disruptiveMessages(from, id, t))}`);
            }
            // The forwarding path too: a forged write as root and a read-index round.
            outcomes.push(`${who}->${id} as ${from} forward: ${await intruder.forward(from, 'tls/forged')}`);
            const snap = { type: 'snapshot' as const, from, to: id, term: term + 10, snapshot: { index: 1_000_000, term: term + 10, conf: { voters: [from], votersOutgoing: [], learners: [], learnersNext: [] } } };
            outcomes.push(`${who}->${id} as ${from} snapshot: ${await intruder.snapshot(snap)}`);
          }
        } finally {
          intruder.close();
        }
      }
    }
    const accepted = outcomes.filter((o) => !/: (PERMISSION_DENIED|UNAUTHENTICATED|UNAVAILABLE)$/.test(o));
    expect(accepted, 'calls that were not refused').toEqual([]);
    // With a certificate the node refuses the sender (PERMISSION_DENIED); without one, TLS or the
    // node does (UNAVAILABLE: the handshake fails under --client-cert-auth).
    expect(outcomes.filter((o) => o.startsWith('n9->')).every((o) => o.endsWith('PERMISSION_DENIED'))).toBe(true);
    for (const [id] of c.nodes) {
      const now = (await c.status(id))!;
      const was = before.get(id)!;
      expect({ id, term: now.term, leader: now.leader }).toEqual({ id, term: was.term, leader: was.leader });
      expect(now.lastIndex, `${id}'s log`).toBe(was.lastIndex);
    }
    expect(readdirSnapshots(c)).toEqual([]);
    const client = c.client();
    expect(await client.getString('tls/forged')).toBeNull();
    await client.put('tls/after-intruder', 'ok');
    expect(await client.getString('tls/a')).toBe('v1');
  });

  test('certificates reload on SIGHUP; a bad reload keeps the old certificate', async () => {
    const c = cluster!;
    const id = 'n3';
    const address = c.endpoints([id])[0]!;
    const ca = readFileSync(file('ca.crt'));
    const serialBefore = await servedSerial(address, ca);
    // A broken file first (refused, old certificate kept), then another valid pair of this CA (n9's).
    const [crt, key] = [readFileSync(file(`${id}.crt`)), readFileSync(file(`${id}.key`))];
    writeFileSync(file(`${id}.crt`), 'not a certificate');
    process.kill(c.pid(id)!, 'SIGHUP');
    await eventually(() => readFileSync(join(c.dir, `${id}.log`), 'utf8').includes('certificate reload refused'), 10_000);
    expect(await servedSerial(address, ca)).toBe(serialBefore);
    writeFileSync(file(`${id}.crt`), readFileSync(file('n9.crt')));
    writeFileSync(file(`${id}.key`), readFileSync(file('n9.key')));
    process.kill(c.pid(id)!, 'SIGHUP');
    const n9Serial = new X509Certificate(readFileSync(file('n9.crt'))).serialNumber;
    expect(await eventually(async () => (await servedSerial(address, ca)).toUpperCase() === n9Serial.toUpperCase(), 10_000)).toBe(true);
    // Put n3's own certificate back: its peers check that it names n3.
    writeFileSync(file(`${id}.crt`), crt);
    writeFileSync(file(`${id}.key`), key);
    process.kill(c.pid(id)!, 'SIGHUP');
    expect(await eventually(async () => (await servedSerial(address, ca)) === serialBefore, 10_000)).toBe(true);
    await c.client().put('tls/after-reload', 'ok');
  });

  test('an expired certificate stops a node from starting, naming the file and the dates', async () => {
    const old = join(cluster!.dir, 'expired');
    await initCertificates(old, { nodes: ['n1'], days: 1, notBefore: new Date(Date.now() - 3 * 86_400_000) });
    const args = ['serve', '--id', 'n1', '--listen', '127.0.0.1:1', '--http', 'none', '--data-dir', join(old, 'data'), '--cert-file', join(old, 'n1.crt'), '--key-file', join(old, 'n1.key')];
    const err = await run(process.execPath, [MAIN, ...args], { timeout: 20_000 }).then(() => null, (e: { code: number; stderr: string }) => e);
    expect(err?.code).toBe(1);
    expect(err?.stderr).toMatch(new RegExp(`certificate ${join(old, 'n1.crt').replace(/[/.]/g, '\\$&')} \\(CN=n1\\) has expired: valid from .* to .*`));
  });
});

describe('TLS cluster membership changes', () => {
  let cluster: ProcessCluster | undefined;
  beforeAll(async () => {
    cluster = await ProcessCluster.start({ nodes: 3, tls: {} });
  });
  afterAll(async () => cluster?.close());
  logTailsOnFailure(() => cluster);

  test("a removed member's connections are closed and its messages refused", async () => {
    const c = cluster!;
    const client = c.client();
    const leader = await c.leader();
    const removed = [...c.nodes.keys()].find((id) => id !== leader.id)!;
    const stays = [...c.nodes.keys()].filter((id) => id !== removed);
    await client.cluster.memberRemove(removed);
    await client.put('tls/after-remove', 'ok');
    // The removed node is still running and does not know it was removed: cut off from appends,
    // it campaigns. Every member refuses it, so nobody's term moves.
    const terms = await Promise.all(stays.map(async (id) => (await c.status(id))!.term));
    await new Promise((r) => setTimeout(r, 3000));
    expect(await Promise.all(stays.map(async (id) => (await c.status(id))!.term))).toEqual(terms);
    const logs = stays.map((id) => readFileSync(join(c.dir, `${id}.log`), 'utf8')).join('\n');
    expect(logs).toMatch(new RegExp(`'${removed}' is not a member of this cluster`));
    expect(await client.getString('tls/after-remove')).toBe('ok');
  });
});

describe('without peer TLS, membership still decides who may speak', () => {
  let cluster: ProcessCluster | undefined;
  beforeAll(async () => {
    cluster = await ProcessCluster.start({ nodes: 3 });
  });
  afterAll(async () => cluster?.close());
  logTailsOnFailure(() => cluster);

  test('messages from a made-up id are refused before they reach Raft', async () => {
    const c = cluster!;
    const leader = await c.leader();
    const intruder = new Intruder(leader.address, grpc.credentials.createInsecure(), 'proc-test');
    try {
      expect(await intruder.send('evil', disruptiveMessages('evil', leader.id, leader.term + 10))).toBe('PERMISSION_DENIED');
      expect(await intruder.stream('evil', disruptiveMessages('evil', leader.id, leader.term + 10))).toBe('PERMISSION_DENIED');
      expect(await intruder.forward('evil', 'plain/forged')).toBe('PERMISSION_DENIED');
    } finally {
      intruder.close();
    }
    const after = await c.leader();
    expect({ id: after.id, term: after.term }).toEqual({ id: leader.id, term: leader.term });
    expect(await c.client().getString('plain/forged')).toBeNull();
  });

  test("a member's snapshot at a stale term is refused before anything is staged", async () => {
    const c = cluster!;
    const leader = await c.leader();
    const follower = [...c.nodes.keys()].find((id) => id !== leader.id)!;
    const intruder = new Intruder(c.endpoints([follower])[0]!, grpc.credentials.createInsecure(), 'proc-test');
    try {
      const snap = { type: 'snapshot' as const, from: leader.id, to: follower, term: leader.term - 1, snapshot: { index: 1_000_000, term: leader.term - 1, conf: { voters: ['n1', 'n2', 'n3'], votersOutgoing: [], learners: [], learnersNext: [] } } };
      expect(await intruder.snapshot(snap)).toBe('ack accepted=false');
    } finally {
      intruder.close();
    }
    expect(readdirSnapshots(c)).toEqual([]);
    expect(readFileSync(join(c.dir, `${follower}.log`), 'utf8')).toContain(`is stale: this node is at term ${leader.term}`);
  });
});

/** Snapshot files staged in any node's data directory (refused streams must leave none). */
function readdirSnapshots(c: ProcessCluster): string[] {
  const out: string[] = [];
  for (const n of c.nodes.values()) {
    const dir = join(n.dataDir, 'snapshots');
    if (existsSync(dir)) out.push(...readdirSync(dir).map((f) => `${n.id}/${f}`));
  }
  return out;
}
