// A snapshot that cannot be installed is refused, and the node keeps running: the follower builds
// and verifies a received snapshot before its Raft core hears of it, so a corrupt transfer or a
// failing disk costs a retry (the leader sends again), never the process. Nodes run in-process;
// the corrupt transfer comes from a real gRPC peer transport speaking as the leader.
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { pino } from 'pino';
import { afterEach, describe, expect, test } from 'vitest';
import { connect, type RaftdbClient } from '../../src/client/index.js';
import type { SnapshotRequest } from '../../src/raft/index.js';
import { StateMachine } from '../../src/state/index.js';
import { encodeCommand } from '../../src/state/commands.js';
import { EntryType } from '../../src/raft/types.js';
import { GrpcPeerTransport } from '../../src/transport/index.js';
import { eventually } from './fixtures/load.js';
import { freePorts, InProcessCluster } from './in-process.js';

let cluster: InProcessCluster | undefined;
const clients: RaftdbClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await cluster?.close();
  cluster = undefined;
});

/** Log lines of every node (the cluster shares one logger), to see refusals happen. */
function recordingLogger(): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: pino({ level: 'info' }, { write: (line: string) => void lines.push(line) }), lines };
}

/** Starts 3 nodes, writes `keys` keys (the leader compacts its log), returns a client. */
async function loadedCluster(keys: number, logger: pino.Logger): Promise<RaftdbClient> {
  cluster = await InProcessCluster.start(3, { logger });
  await cluster.leader();
  const client = connect({ endpoints: cluster.endpoints(), timeoutMs: 10_000, maxConcurrentWrites: 32 });
  clients.push(client);
  let next = 0;
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (next < keys) {
      const i = next++;
      await client.put(`k/${String(i).padStart(5, '0')}`, `value-${i}-${'x'.repeat(200)}`);
    }
  }));
  return client;
}

/** Starts `id` with --join on a new port; it knows no leader until MemberAdd. */
async function joiningNode(id: string): Promise<{ address: string; dataDir: string }> {
  const [port] = await freePorts(1);
  const address = `127.0.0.1:${port}`;
  cluster!.peers.set(id, address);
  await cluster!.startNode(id, true);
  return { address, dataDir: `${cluster!.dir}/${id}` };
}

/** Whether `address` answers Status (its gRPC server runs). */
async function answers(client: RaftdbClient, address: string): Promise<boolean> {
  return client.cluster.status({ endpoint: address, timeoutMs: 1000 }).then(
    () => true,
    () => false,
  );
}

/** A valid snapshot stream of some other state, with one byte flipped in the middle. */
async function corruptSnapshot(dir: string): Promise<Buffer> {
  const sm = await StateMachine.open(`${dir}/corrupt-source`);
  const entries = Array.from({ length: 300 }, (_, i) => ({
    index: i + 1,
    term: 1,
    type: EntryType.Normal,
    data: encodeCommand({ type: 'put', key: Buffer.from(`c/${i}`), value: Buffer.alloc(1000, i) }),
  }));
  await sm.apply(entries);
  const chunks: Uint8Array[] = [];
  for await (const c of await sm.createSnapshot()) chunks.push(c);
  await sm.close();
  const bytes = Buffer.concat(chunks);
  bytes[bytes.length >> 1]! ^= 0x01;
  return bytes;
}

/** Sends `bytes` to `to` as an InstallSnapshot from `from` over a real peer transport; resolves with ok. */
async function sendAs(from: string, to: string, address: string, msg: SnapshotRequest, bytes: Buffer): Promise<boolean> {
  let done: (ok: boolean) => void = () => undefined;
  const finished = new Promise<boolean>((r) => (done = r));
  const transport = new GrpcPeerTransport({
    selfId: from,
    clusterId: 'test',
    peers: new Map([[to, address]]),
    logger: { warn: () => undefined, error: () => undefined },
    handlers: {
      onMessage: () => undefined,
      onSnapshot: async () => undefined,
      snapshotSource: async () => ({ message: msg, chunks: (async function* () { yield bytes; })() }),
      onSnapshotSent: (_peer, ok) => done(ok),
    },
  });
  try {
    transport.send([msg]);
    return await finished;
  } finally {
    await transport.close();
  }
}

describe('a snapshot that cannot be installed', () => {
  test('a corrupt stream is refused before the Raft core sees it: the node runs on and later installs a good one', async () => {
    const { logger, lines } = recordingLogger();
    const client = await loadedCluster(600, logger);
    const leader = await cluster!.leader();
    expect(leader.raft.snapshot.index, 'the leader compacted its log').toBeGreaterThan(0);
    const n4 = await joiningNode('n4');

    const msg: SnapshotRequest = { type: 'snapshot', from: leader.id, to: 'n4', term: leader.raft.term, snapshot: leader.raft.snapshot };
    const ok = await sendAs(leader.id, 'n4', n4.address, msg, await corruptSnapshot(cluster!.dir));
    expect(ok, 'the corrupt snapshot was refused').toBe(false);
    expect(lines.some((l) => l.includes('snapshot refused') && l.includes('snapshot checksum mismatch'))).toBe(true);
    // The node is still up, its core never took the snapshot, and nothing is left on disk.
    await new Promise((r) => setTimeout(r, 200));
    expect(await answers(client, n4.address), 'n4 still serves').toBe(true);
    expect(cluster!.nodes.get('n4')!.raft.log.lastIndex()).toBe(0);
    expect(await readdir(`${n4.dataDir}/snapshots`)).toEqual([]);
    expect(existsSync(`${n4.dataDir}/state.restore-new`)).toBe(false);

    await client.cluster.memberAdd({ id: 'n4', address: n4.address, learner: true });
    const target = leader.raft.log.committed;
    expect(await eventually(() => cluster!.nodes.get('n4')!.raft.log.applied >= target, 30_000)).toBe(true);
    const local = connect({ endpoints: [n4.address], timeoutMs: 5000 });
    clients.push(local);
    // Raft's applied mark jumps to a snapshot's index when the message is stepped, before the
    // driver has swapped the state machine's directory: wait for the state itself.
    const want599 = `value-599-${'x'.repeat(200)}`;
    expect(await eventually(async () => (await local.getString('k/00599', { consistency: 'serializable' })) === want599, 10_000)).toBe(true);
  });

  test("a disk failure while receiving is refused; the leader's next attempt installs", async () => {
    const { logger, lines } = recordingLogger();
    const client = await loadedCluster(600, logger);
    const n5 = await joiningNode('n5');
    // The staging directory cannot be created: a file stands where it goes.
    await rm(`${n5.dataDir}/snapshots`, { recursive: true, force: true });
    await writeFile(`${n5.dataDir}/snapshots`, 'in the way');
    await client.cluster.memberAdd({ id: 'n5', address: n5.address, learner: true });
    expect(await eventually(() => lines.some((l) => l.includes('snapshot refused')), 20_000), 'a refusal').toBe(true);
    expect(await eventually(() => lines.filter((l) => l.includes('snapshot not installed')).length >= 2, 20_000), 'the leader retried').toBe(true);
    expect(await answers(client, n5.address), 'n5 still serves').toBe(true);

    await rm(`${n5.dataDir}/snapshots`, { force: true });
    // The node's next attempt may create it first, once the file is gone (a CI run saw EEXIST here).
    await mkdir(`${n5.dataDir}/snapshots`, { recursive: true });
    const leader = await cluster!.leader();
    const target = leader.raft.log.committed;
    expect(await eventually(() => cluster!.nodes.get('n5')!.raft.log.applied >= target, 30_000), 'n5 caught up').toBe(true);
    expect(cluster!.nodes.get('n5')!.raft.snapshot.index).toBeGreaterThan(0);
    const local = connect({ endpoints: [n5.address], timeoutMs: 5000 });
    clients.push(local);
    // As above: the state machine may still be swapping in the snapshot Raft already counts.
    const want0 = `value-0-${'x'.repeat(200)}`;
    expect(await eventually(async () => (await local.getString('k/00000', { consistency: 'serializable' })) === want0, 10_000)).toBe(true);
    expect(await readdir(`${n5.dataDir}/snapshots`)).toEqual([]);
  });
});
