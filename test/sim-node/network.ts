// The network twin: members' Raft messages, forwarded requests and clients' calls, delivered on
// the virtual clock after a seeded delay, or dropped, duplicated or reordered (each message has
// its own delay), across partitions of any shape and one-way cuts. Messages go through the real
// codec (a receiver never shares an object with its sender). A paused member receives nothing
// and sends nothing until it resumes; then what queued up arrives at once, before its next tick,
// as a SIGSTOPped process's sockets do. Snapshot transfers go chunk by chunk (snapshot-link.ts).
import * as grpc from '@grpc/grpc-js';
import type { Rng } from '../../src/common/rng.js';
import type { PeerTransport } from '../../src/node/compose.js';
import type { Message } from '../../src/raft/index.js';
import { ForwardChannelError, type ForwardCall, type ForwardHandler, type ForwardReply, type TransportHandlers } from '../../src/transport/index.js';
import { decodeMessage, encodeMessage } from '../../src/transport/codec.js';
import { SnapshotLinks, wireIncarnation } from './snapshot-link.js';

/** How bad the links are (probabilities per message; delays in ms). */
export interface LinkFaults {
  dropP: number;
  duplicateP: number;
  minDelayMs: number;
  maxDelayMs: number;
}

/** A member's live incarnation as the network sees it. */
interface Endpoint {
  incarnation: number;
  handlers: TransportHandlers;
  forward: ForwardHandler;
  paused: boolean;
  /** Work that reached (or left) the member while it was paused, by the connection it came on. */
  held: Map<string, (() => void)[]>;
}

/** A client call's error when the member is down (what a refused connection gives). */
export class Unreachable extends Error {
  readonly code = grpc.status.UNAVAILABLE;
}

/** The simulated network of one run. */
export class SimNetwork {
  private readonly endpoints = new Map<string, Endpoint>();
  /** One-way cuts "a>b": nothing from a reaches b. */
  private readonly cuts = new Set<string>();
  faults: LinkFaults;
  delivered = 0;
  dropped = 0;
  /** Snapshot transfers, on the same links and faults. */
  readonly snapshots = new SnapshotLinks({
    incarnation: (id) => this.endpoints.get(id)?.incarnation ?? null,
    flight: (from, to) => this.flight(from, to),
    onMember: (id, incarnation, connection, fn) => this.onMember(id, incarnation, connection, (e) => fn(e.handlers)),
  });

  constructor(
    private readonly rng: Rng,
    faults: LinkFaults,
  ) {
    this.faults = faults;
  }

  /** A member's incarnation joins the network (started or restarted). */
  attach(id: string, incarnation: number, handlers: TransportHandlers, forward: ForwardHandler): void {
    this.endpoints.set(id, { incarnation, handlers, forward, paused: false, held: new Map() });
  }

  /** A member leaves (crashed or stopped): what is in flight to it is lost. */
  detach(id: string): void {
    this.endpoints.delete(id);
  }

  /** Freezes a member: nothing it is sent is handled, nothing it sends leaves, until resume. */
  pause(id: string): void {
    const e = this.endpoints.get(id);
    if (e) e.paused = true;
  }

  /**
   * Thaws a member: everything that queued up runs now. Each connection's work keeps its order,
   * but which connection is read first is anyone's guess (epoll's): a client's queued requests may
   * all be handled before the first message from the leader elected meanwhile, or after it.
   */
  resume(id: string): void {
    const e = this.endpoints.get(id);
    if (!e || !e.paused) return;
    e.paused = false;
    const held = this.rng.shuffle([...e.held.values()]);
    e.held.clear();
    // One callback each, with the promise jobs it starts run before the next (as Node runs one
    // socket's data callback, then drains the microtask queue, then the next).
    for (const queue of held) for (const run of queue) setImmediate(run);
  }

  isPaused(id: string): boolean {
    return this.endpoints.get(id)?.paused === true;
  }

  /** Splits the members into groups that cannot reach each other (both ways). */
  partition(groups: readonly (readonly string[])[]): void {
    this.cuts.clear();
    for (const a of groups) for (const b of groups) if (a !== b) for (const x of a) for (const y of b) this.cuts.add(`${x}>${y}`);
  }

  /** Nothing from `from` reaches `to` (the other direction works). */
  cutOneWay(from: string, to: string): void {
    this.cuts.add(`${from}>${to}`);
  }

  heal(): void {
    this.cuts.clear();
  }

  /**
   * Runs `fn` on `id` when it can run: now, or at resume if it is paused (queued behind the other
   * work of connection `from`); never if it is gone.
   */
  private onMember(id: string, incarnation: number | null, from: string, fn: (e: Endpoint) => void): void {
    const e = this.endpoints.get(id);
    if (!e || (incarnation !== null && e.incarnation !== incarnation)) return;
    if (!e.paused) {
      fn(e);
      return;
    }
    const queue = e.held.get(from);
    const run = (): void => this.onMember(id, e.incarnation, from, fn);
    if (queue) queue.push(run);
    else e.held.set(from, [run]);
  }

  /**
   * Runs `fn` on incarnation `incarnation` of member `id` behind the other work of connection
   * `from` (now, or at resume if it is paused); never if that incarnation is gone. For streams
   * whose order and delays their owner keeps (pipeline-stream.ts).
   */
  runOn(id: string, incarnation: number, from: string, fn: () => void): void {
    this.onMember(id, incarnation, from, () => fn());
  }

  /** One message's delay on a link (ms): a stream's messages are never lost (TCP resends them). */
  linkDelayMs(): number {
    return this.rng.int(this.faults.minDelayMs, this.faults.maxDelayMs);
  }

  /** Whether one message from `from` to `to` gets through, and after how long (null: lost). */
  private flight(from: string, to: string): number | null {
    if (this.cuts.has(`${from}>${to}`)) return null;
    if (this.rng.chance(this.faults.dropP)) {
      this.dropped++;
      return null;
    }
    return this.rng.int(this.faults.minDelayMs, this.faults.maxDelayMs);
  }

  /** The transport of one incarnation of member `self`. */
  transport(self: string, incarnation: number): PeerTransport {
    const alive = (): boolean => this.endpoints.get(self)?.incarnation === incarnation;
    return {
      send: (messages) => {
        if (!alive()) return;
        const bytes = messages.map((m) => ({ to: m.to, type: m.type, data: encodeMessage(m), msg: m }));
        // A paused member's sends leave when it resumes.
        this.onMember(self, incarnation, 'out', () => {
          for (const b of bytes) this.deliver(self, incarnation, b.to, b.msg, b.data);
        });
      },
      forward: (peer, call) => this.forward(self, incarnation, peer, call),
      setPeers: () => {},
      close: async () => {},
    };
  }

  private deliver(from: string, fromIncarnation: number, to: string, msg: Message, data: Buffer): void {
    if (msg.type === 'snapshot') {
      const e = this.endpoints.get(from);
      if (e) this.snapshots.send(from, e.incarnation, msg);
      return;
    }
    const copies = this.rng.chance(this.faults.duplicateP) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const delay = this.flight(from, to);
      if (delay === null) continue;
      setTimeout(() => {
        this.onMember(to, null, from, (e) => {
          this.delivered++;
          e.handlers.onPeerIncarnation?.(from, wireIncarnation(fromIncarnation));
          e.handlers.onMessage(decodeMessage(data));
        });
      }, delay);
    }
  }

  /** Raft.Forward: the request to the leader and its reply, each on a faulty link, bounded by its timeout. */
  private forward(self: string, incarnation: number, peer: string, call: ForwardCall): Promise<ForwardReply> {
    const timeout = (): Error => new ForwardChannelError(grpc.status.DEADLINE_EXCEEDED, `no answer from ${peer} before the deadline; the outcome is unknown`, 'unknown');
    return withDeadline<ForwardReply>(Math.max(1, call.timeoutMs), timeout, (settle, resolve, reject) => {
      const there = this.flight(self, peer);
      if (there === null) return;
      setTimeout(() => {
        if (!this.endpoints.has(peer)) {
          settle(() => reject(new ForwardChannelError(grpc.status.UNAVAILABLE, `${peer} is down`, 'no')));
          return;
        }
        this.onMember(peer, null, `forward:${self}`, (e) => {
          void e.forward({ ...call, id: 0 }, { from: self, address: `sim:${self}`, auth: {} }).then((reply) => {
            const back = this.flight(peer, self);
            if (back === null) return;
            setTimeout(() => this.onMember(self, incarnation, `forward:${peer}`, () => settle(() => resolve({ ...reply, id: 0 }))), back);
          });
        });
      }, there);
    });
  }

  /**
   * A client's call to member `id`: the request and the answer each take a link delay and may be
   * lost (the client then sees its own deadline pass); a member that is down refuses at once.
   */
  call<T>(client: string, id: string, timeoutMs: number, run: () => Promise<T>): Promise<T> {
    const timeout = (): Error => Object.assign(new Error(`no answer from ${id} within ${timeoutMs} ms`), { code: grpc.status.DEADLINE_EXCEEDED });
    return withDeadline<T>(timeoutMs, timeout, (settle, resolve, reject) => {
      const there = this.flight('client', id);
      if (there === null) return;
      setTimeout(() => {
        if (!this.endpoints.has(id)) {
          settle(() => reject(new Unreachable(`${id} is down (connection refused)`)));
          return;
        }
        this.onMember(id, null, client, () => {
          run().then(
            (value) => this.answer(id, client, () => settle(() => resolve(value))),
            (err: unknown) => this.answer(id, client, () => settle(() => reject(err))),
          );
        });
      }, there);
    });
  }

  private answer(id: string, client: string, fn: () => void): void {
    const back = this.flight(id, 'client');
    if (back === null) return;
    this.onMember(id, null, client, () => setTimeout(fn, back));
  }
}

/**
 * A promise that `body` settles (through `settle`, once) or that fails with `timeout()` after
 * `ms` virtual milliseconds, whichever comes first.
 */
function withDeadline<T>(
  ms: number,
  timeout: () => Error,
  body: (settle: (fn: () => void) => void, resolve: (v: T) => void, reject: (e: unknown) => void) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const timer = setTimeout(() => settle(() => reject(timeout())), ms);
    body(settle, resolve, reject);
  });
}
