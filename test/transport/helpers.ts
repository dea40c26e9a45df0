// Shared fixtures for the transport tests: real gRPC servers on 127.0.0.1, recording handlers,
// one sample of every Raft message type, and polling helpers.
import * as grpc from '@grpc/grpc-js';
import { afterEach } from 'vitest';
import type { Message, NodeId, SnapshotRequest } from '../../src/raft/types.js';
import {
  GrpcPeerTransport,
  registerRaftService,
  type RaftServiceConfig,
  type RaftServiceHandle,
  type SnapshotSource,
  type TransportHandlers,
  type TransportLogger,
  type TransportOptions,
} from '../../src/transport/index.js';

export const CLUSTER = 'test-cluster';

/** A logger that keeps every line, so tests can check what was logged. */
export class MemoryLogger implements TransportLogger {
  readonly lines: { level: 'warn' | 'error'; msg: string; fields: Record<string, unknown> }[] = [];
  warn(fields: Record<string, unknown>, msg: string): void {
    this.lines.push({ level: 'warn', msg, fields });
  }
  error(fields: Record<string, unknown>, msg: string): void {
    this.lines.push({ level: 'error', msg, fields });
  }
}

/** Binds a grpc.Server on 127.0.0.1 (port 0 unless given) and returns the bound port. */
export async function bind(server: grpc.Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
}

/** A port that was free a moment ago (for a peer that starts later). */
export async function freePort(): Promise<number> {
  const s = new grpc.Server();
  const port = await bind(s, 0);
  s.forceShutdown();
  return port;
}

/** A node under test: its transport, its Raft service, and everything its handlers saw. */
export interface TestNode {
  id: NodeId;
  port: number;
  address: string;
  transport: GrpcPeerTransport;
  service: RaftServiceHandle;
  server: grpc.Server;
  received: Message[];
  unreachable: NodeId[];
  /** Every snapshot outcome, with the incarnation of the process that answered it (0: not said). */
  snapshotsSent: { peer: NodeId; ok: boolean; incarnation: number }[];
  /** Every batch's sender and its incarnation, in arrival order. */
  incarnations: { peer: NodeId; incarnation: number }[];
  logger: MemoryLogger;
  close(): Promise<void>;
}

export interface NodeSetup {
  id: NodeId;
  port?: number;
  clusterId?: string;
  options?: Partial<TransportOptions>;
  /** Overrides of the default (recording) handlers. */
  handlers?: Partial<TransportHandlers>;
  /** Raft.Forward on this node's server, and who may speak to it. */
  forward?: RaftServiceConfig['forward'];
  authorizer?: RaftServiceConfig['authorizer'];
}

/** Starts a node's server and transport; peers are set later with connect(). */
export async function startNode(setup: NodeSetup): Promise<TestNode> {
  const received: Message[] = [];
  const unreachable: NodeId[] = [];
  const snapshotsSent: TestNode['snapshotsSent'] = [];
  const incarnations: TestNode['incarnations'] = [];
  const logger = new MemoryLogger();
  const handlers: TransportHandlers = {
    onMessage: (msg) => received.push(msg),
    onSnapshot: async (message, chunks) => {
      for await (const _ of chunks) void _;
      received.push(message);
    },
    snapshotSource: async (msg: SnapshotRequest): Promise<SnapshotSource> => ({ message: msg, chunks: bytesSource(1024, 4) }),
    onUnreachable: (peer) => unreachable.push(peer),
    onSnapshotSent: (peer, ok, incarnation) => snapshotsSent.push({ peer, ok, incarnation }),
    onPeerIncarnation: (peer, incarnation) => incarnations.push({ peer, incarnation }),
    ...setup.handlers,
  };
  const clusterId = setup.clusterId ?? CLUSTER;
  const transport = new GrpcPeerTransport({ selfId: setup.id, clusterId, peers: new Map(), handlers, options: setup.options, logger });
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
  const service = registerRaftService(server, {
    selfId: setup.id,
    clusterId,
    incarnation: transport.incarnation,
    handlers: transport.handlersForServer(),
    logger,
    ...(setup.forward ? { forward: setup.forward } : {}),
    ...(setup.authorizer ? { authorizer: setup.authorizer } : {}),
  });
  const port = await bind(server, setup.port ?? 0);
  const close = async (): Promise<void> => {
    service.close();
    await transport.close();
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  };
  return { id: setup.id, port, address: `127.0.0.1:${port}`, transport, service, server, received, unreachable, snapshotsSent, incarnations, logger, close };
}

/** Gives every node the addresses of all the others (and itself, which must be ignored). */
export function connect(nodes: TestNode[]): void {
  const peers = new Map(nodes.map((n) => [n.id, n.address] as const));
  for (const n of nodes) n.transport.setPeers(peers);
}

/** Deterministic bytes. */
export function bytes(len: number, seed: number): Uint8Array {
  const out = new Uint8Array(len);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < len; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** `count` chunks of `size` deterministic bytes. */
export async function* bytesSource(size: number, count: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < count; i++) yield bytes(size, i + 1);
}

/** One message of every type (except snapshot, which has its own stream) from `from` to `to`. */
export function everyMessage(from: NodeId, to: NodeId): Message[] {
  const base = { from, to, term: 7 };
  return [
    { ...base, type: 'vote', lastLogIndex: 41, lastLogTerm: 6, transfer: true },
    { ...base, type: 'preVote', lastLogIndex: 41, lastLogTerm: 6 },
    { ...base, type: 'voteResponse', granted: true },
    { ...base, type: 'preVoteResponse', granted: false },
    {
      ...base,
      type: 'append',
      prevIndex: 40,
      prevTerm: 6,
      commit: 39,
      entries: [
        { index: 41, term: 7, type: 0, data: bytes(300, 41) },
        { index: 42, term: 7, type: 0, data: new Uint8Array(0) },
        { index: 43, term: 7, type: 1, data: new Uint8Array(0), conf: { type: 'enterJoint', changes: [{ op: 'addVoter', id: 'n4' }, { op: 'remove', id: 'n1' }, { op: 'addLearner', id: 'n5' }] } },
        { index: 44, term: 7, type: 1, data: new Uint8Array([1, 2, 3]), conf: { type: 'leaveJoint' } },
        { index: 45, term: 7, type: 1, data: new Uint8Array(0), conf: { type: 'bootstrap', voters: ['n1', 'n2', 'n3'] } },
      ],
    },
    { ...base, type: 'appendResponse', success: false, index: 40, hintIndex: 30, hintTerm: 5 },
    { ...base, type: 'heartbeat', commit: 39, round: 12345 },
    { ...base, type: 'heartbeatResponse', round: 12345 },
    { ...base, type: 'timeoutNow' },
  ];
}

/**
 * `msg` as the receiver sees it: msgpackr decodes bytes as Buffer (a Uint8Array subclass), so
 * the expected entry data are turned into Buffers for a type-exact toStrictEqual.
 */
export function asReceived(msg: Message): Message {
  if (msg.type !== 'append') return msg;
  return { ...msg, entries: msg.entries.map((e) => ({ ...e, data: Buffer.from(e.data) })) };
}

/** A snapshot message from `from` to `to`. */
export function snapshotMessage(from: NodeId, to: NodeId, index = 1000): SnapshotRequest {
  return {
    from,
    to,
    term: 9,
    type: 'snapshot',
    snapshot: { index, term: 8, conf: { voters: ['n1', 'n2', 'n3'], votersOutgoing: ['n1'], learners: ['n4'], learnersNext: [] } },
  };
}

/** Polls until `check` returns true, failing after `timeoutMs` with `what`. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * For a test file: `node()` starts a node that is closed after the current test, `onCleanup()`
 * registers anything else to close then (a hand-made server, say).
 */
export function nodesPerTest(): { node: (id: string, extra?: NodeSetup) => Promise<TestNode>; onCleanup: (c: () => Promise<void>) => void } {
  let cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(cleanup.map((c) => c()));
    cleanup = [];
  });
  return {
    node: async (id, extra = { id }) => {
      const n = await startNode({ ...extra, id });
      cleanup.push(() => n.close());
      return n;
    },
    onCleanup: (c) => cleanup.push(c),
  };
}
