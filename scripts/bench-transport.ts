// Peer transport benchmark: two GrpcPeerTransports on loopback, the follower in a worker thread
// (its own core, as on a real second node) answering every append / heartbeat like Raft would.
// Reports messages/s and MB/s of 256-byte-entry appends, and request→response round trips.
//   npm run bench:transport [-- --seconds 3]
import { performance } from 'node:perf_hooks';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import * as grpc from '@grpc/grpc-js';
import type { Entry, Message } from '../src/raft/types.js';
import { GrpcPeerTransport, registerRaftService, type TransportHandlers } from '../src/transport/index.js';

const ENTRY_BYTES = 256;
const CLUSTER = 'bench';
const MAX_SAMPLES = 1_000_000;

interface Scenario {
  name: string;
  entriesPerAppend: number;
  /** Appends in flight (Raft's maxInflightMsgs plays this role). */
  window: number;
}

const SCENARIOS: Scenario[] = [
  { name: 'idle round trip (1 in flight, 1 entry)', entriesPerAppend: 1, window: 1 },
  { name: 'pipelined, 1 entry per append, window 256', entriesPerAppend: 1, window: 256 },
  { name: 'pipelined, 64 entries per append, window 64', entriesPerAppend: 64, window: 64 },
];

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

/** Starts a node (server + transport) on 127.0.0.1:0; returns it with its bound port. */
async function startNode(id: string, handlers: (t: () => GrpcPeerTransport) => TransportHandlers): Promise<{ transport: GrpcPeerTransport; port: number; close: () => Promise<void> }> {
  let transport: GrpcPeerTransport | null = null;
  transport = new GrpcPeerTransport({ selfId: id, clusterId: CLUSTER, peers: new Map(), handlers: handlers(() => transport!) });
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
  const service = registerRaftService(server, { selfId: id, clusterId: CLUSTER, handlers: transport.handlersForServer() });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  const close = async (): Promise<void> => {
    service.close();
    await transport!.close();
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  };
  return { transport, port, close };
}

const noSnapshots = {
  onSnapshot: async (): Promise<void> => undefined,
  snapshotSource: async (): Promise<never> => {
    throw new Error('no snapshots in this benchmark');
  },
};

/** The follower: answers each append with an appendResponse, as Raft does after persisting. */
async function follower(): Promise<void> {
  const node = await startNode('n2', (t) => ({
    ...noSnapshots,
    onMessage: (msg: Message) => {
      if (msg.type !== 'append') return;
      const last = msg.prevIndex + msg.entries.length;
      t().send([{ type: 'appendResponse', from: 'n2', to: 'n1', term: msg.term, success: true, index: last, hintIndex: 0, hintTerm: 0 }]);
    },
  }));
  parentPort!.on('message', (m: { leader?: string; stop?: boolean }) => {
    if (m.leader) node.transport.setPeers(new Map([['n1', m.leader]]));
    if (m.stop) void node.close().then(() => parentPort!.close());
  });
  parentPort!.postMessage({ port: node.port });
}

interface Result {
  scenario: string;
  appendsPerSec: number;
  entriesPerSec: number;
  mbPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

async function leader(seconds: number): Promise<void> {
  const worker = new Worker(new URL(import.meta.url), { workerData: { follower: true } });
  const followerPort = await new Promise<number>((resolve) => worker.once('message', (m: { port: number }) => resolve(m.port)));
  let onResponse: (index: number) => void = () => undefined;
  const node = await startNode('n1', () => ({
    ...noSnapshots,
    onMessage: (msg: Message) => {
      if (msg.type === 'appendResponse') onResponse(msg.index);
    },
  }));
  node.transport.setPeers(new Map([['n2', `127.0.0.1:${followerPort}`]]));
  worker.postMessage({ leader: `127.0.0.1:${node.port}` });

  const payload = new Uint8Array(ENTRY_BYTES).fill(7);
  const results: Result[] = [];
  for (const sc of SCENARIOS) results.push(await run(sc, seconds));
  console.table(results.map((r) => ({ ...r, appendsPerSec: Math.round(r.appendsPerSec), entriesPerSec: Math.round(r.entriesPerSec), mbPerSec: +r.mbPerSec.toFixed(1), p50Ms: +r.p50Ms.toFixed(3), p99Ms: +r.p99Ms.toFixed(3) })));
  console.log('transport stats n1→n2:', node.transport.stats().peers.get('n2'));
  worker.postMessage({ stop: true });
  await node.close();

  /** Closed loop: keeps `window` appends in flight; each response frees a slot. */
  async function run(sc: Scenario, secs: number): Promise<Result> {
    let next = 1;
    const sentAt = new Map<number, number>(); // last index of an append → send time
    const samples = new Float64Array(MAX_SAMPLES);
    let count = 0;
    let entries = 0;
    let stop = false;
    const start = performance.now();
    const sendOne = (): void => {
      const batch: Entry[] = [];
      for (let i = 0; i < sc.entriesPerAppend; i++) batch.push({ index: next + i, term: 1, type: 0, data: payload });
      const msg: Message = { type: 'append', from: 'n1', to: 'n2', term: 1, prevIndex: next - 1, prevTerm: 1, commit: 0, entries: batch };
      next += sc.entriesPerAppend;
      sentAt.set(next - 1, performance.now());
      node.transport.send([msg]);
    };
    await new Promise<void>((done) => {
      onResponse = (index) => {
        const t0 = sentAt.get(index);
        if (t0 === undefined) return;
        sentAt.delete(index);
        if (count < MAX_SAMPLES) samples[count] = performance.now() - t0;
        count++;
        entries += sc.entriesPerAppend;
        if (!stop) sendOne();
        else if (sentAt.size === 0) done();
      };
      for (let i = 0; i < sc.window; i++) sendOne();
      setTimeout(() => (stop = true), secs * 1000);
      // A lost response (the transport may drop) must not hang the benchmark.
      setTimeout(done, secs * 1000 + 5000).unref();
    });
    const elapsed = (performance.now() - start) / 1000;
    const sorted = samples.subarray(0, Math.min(count, MAX_SAMPLES)).sort();
    const pct = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
    return {
      scenario: sc.name,
      appendsPerSec: count / elapsed,
      entriesPerSec: entries / elapsed,
      mbPerSec: (entries * ENTRY_BYTES) / elapsed / 1e6,
      p50Ms: pct(0.5),
      p99Ms: pct(0.99),
    };
  }
}

if (isMainThread) await leader(Number(arg('seconds', '3')));
else if ((workerData as { follower?: boolean }).follower) await follower();
