// Per-link network faults for node processes on one host, as etcd's robustness tests do with a
// TCP proxy, without touching the node: each node process gets its own HTTP CONNECT proxy
// through the standard `grpc_proxy` variable, which grpc-js honours for every outgoing channel
// (Raft stream, snapshots, leader forwarding). The proxy a connection arrives on names the
// source node and the CONNECT target names the destination, so every (from, to) link can be
// cut, cut one way, or slowed, while the addresses the nodes know and replicate stay the real
// ones and clients (which do not use the proxy) reach every node directly.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect as tcpConnect, type Socket } from 'node:net';
import type { NetemSpec } from './backend.js';

/**
 * Linux's minimum TCP retransmission timeout: what a lost segment costs a connection. The proxy
 * sees bytes, not packets, so "loss" delays a chunk by this much instead of dropping it.
 */
const LOSS_PENALTY_MS = 200;

/** One proxied connection from node `src` to node `dst`. */
interface Link {
  src: string;
  dst: string;
  down: Socket; // to the source node
  up: Socket | null; // to the destination node, once connected
  /** Bytes were dropped: the stream is corrupt, so heal() closes it and gRPC reconnects. */
  dirty: boolean;
  releaseAtMs: { up: number; down: number };
}

/** The CONNECT proxies of a process cluster and the faults they apply. */
export class LinkProxy {
  private readonly servers = new Map<string, Server>();
  /** Destination address -> node id. */
  private readonly idByAddress = new Map<string, string>();
  /** 'a>b': bytes from a to b are dropped. */
  private readonly cuts = new Set<string>();
  private readonly netem = new Map<string, NetemSpec>();
  private readonly links = new Set<Link>();
  /** CONNECTs over a cut link: left unanswered, like a SYN that is dropped. */
  private readonly held = new Set<{ src: string; dst: string; socket: Socket }>();

  constructor(private readonly random: () => number = Math.random) {}

  /** Starts the proxy of source node `id`; returns its URL for the node's `grpc_proxy`. */
  async addSource(id: string): Promise<string> {
    const server = createServer((_req, res) => res.writeHead(405).end());
    server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => this.onConnect(id, req, socket, head));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    this.servers.set(id, server);
    const { port } = server.address() as { port: number };
    return `http://127.0.0.1:${port}`;
  }

  /** Declares that node `id` listens at `address` (the host:port peers dial). */
  setAddress(id: string, address: string): void {
    this.idByAddress.set(address, id);
  }

  /** Drops every byte from `from` to `to` (existing connections stall; new ones hang). */
  cut(from: string, to: string): void {
    this.cuts.add(`${from}>${to}`);
  }

  /** Delays (and, as retransmission delay, "loses") everything `id` sends to its peers. */
  setNetem(id: string, spec: NetemSpec): void {
    this.netem.set(id, spec);
  }

  clearNetem(id: string): void {
    this.netem.delete(id);
  }

  /** Removes every cut and delay; connections that lost bytes are closed so they start clean. */
  heal(): void {
    this.cuts.clear();
    this.netem.clear();
    for (const h of this.held) h.socket.destroy();
    this.held.clear();
    for (const l of this.links) if (l.dirty) this.drop(l);
  }

  /** Stops every proxy and closes every connection. */
  async close(): Promise<void> {
    for (const h of this.held) h.socket.destroy();
    this.held.clear();
    for (const l of this.links) this.drop(l);
    await Promise.all([...this.servers.values()].map((s) => new Promise((r) => s.close(r))));
    this.servers.clear();
  }

  private isCut(from: string, to: string): boolean {
    return this.cuts.has(`${from}>${to}`);
  }

  private onConnect(src: string, req: IncomingMessage, socket: Socket, head: Buffer): void {
    const target = req.url ?? '';
    const m = /^(.+):(\d+)$/.exec(target);
    socket.on('error', () => socket.destroy());
    if (!m) {
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    const dst = this.idByAddress.get(target) ?? target;
    // A TCP handshake needs both directions: either cut leaves the connect hanging.
    if (this.isCut(src, dst) || this.isCut(dst, src)) {
      const h = { src, dst, socket };
      this.held.add(h);
      socket.once('close', () => this.held.delete(h));
      return;
    }
    const link: Link = { src, dst, down: socket, up: null, dirty: false, releaseAtMs: { up: 0, down: 0 } };
    this.links.add(link);
    const up = tcpConnect(Number(m[2]), m[1]!);
    up.on('error', () => undefined); // 'close' follows

    up.once('connect', () => {
      link.up = up;
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) this.forward(link, 'up', head);
      socket.on('data', (chunk: Buffer) => this.forward(link, 'up', chunk));
      up.on('data', (chunk: Buffer) => this.forward(link, 'down', chunk));
    });
    up.once('close', () => {
      if (link.up !== null) return this.closeFrom(link, 'up');
      // Refused (the node is down): say so, as a reset would, so gRPC backs off and retries.
      this.links.delete(link);
      socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
    });
    socket.once('close', () => this.closeFrom(link, 'down'));
  }

  /** Passes a chunk on, or drops it, or delays it in order. `up`: from src to dst. */
  private forward(link: Link, dir: 'up' | 'down', chunk: Buffer): void {
    const [from, to] = dir === 'up' ? [link.src, link.dst] : [link.dst, link.src];
    if (this.isCut(from, to)) {
      link.dirty = true;
      return;
    }
    const out = dir === 'up' ? link.up : link.down;
    if (out === null) return;
    const spec = this.netem.get(from);
    const nowMs = Date.now();
    let delayMs = 0;
    if (spec !== undefined) {
      delayMs = spec.delayMs + (this.random() * 2 - 1) * spec.jitterMs;
      if (this.random() * 100 < spec.lossPercent) delayMs += LOSS_PENALTY_MS;
    }
    // Chunks of one direction leave in order: never before the previous one.
    const releaseAtMs = Math.max(nowMs + Math.max(0, delayMs), link.releaseAtMs[dir]);
    link.releaseAtMs[dir] = releaseAtMs;
    if (releaseAtMs <= nowMs) out.write(chunk);
    else setTimeout(() => out.destroyed || out.write(chunk), releaseAtMs - nowMs);
  }

  /**
   * One side closed. The close travels to the other side only if that direction is not cut: a
   * node behind a partition does not learn that its peer died until the partition heals.
   */
  private closeFrom(link: Link, side: 'up' | 'down'): void {
    const [from, to] = side === 'up' ? [link.dst, link.src] : [link.src, link.dst];
    if (this.isCut(from, to)) {
      link.dirty = true;
      return;
    }
    this.drop(link);
  }

  private drop(link: Link): void {
    this.links.delete(link);
    link.down.destroy();
    link.up?.destroy();
  }
}
