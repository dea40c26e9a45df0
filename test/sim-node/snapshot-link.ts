// Snapshot transfers on the network twin, as the real transport makes them (transport/peer.ts,
// snapshot-sender.ts, snapshot-receiver.ts): one transfer at a time from a member to a peer; the
// sender's snapshotSource gives the message and a stream of chunks; each chunk crosses the link
// with its delay, and a chunk the link loses (a cut, a drop) breaks the stream, as a broken
// connection does; the receiver's onSnapshot reads the chunks and its answer travels back; the
// sender learns the outcome (onSnapshotSent), true only for an accepted snapshot whose answer
// arrived. A step that waits longer than the stall timeout (a paused or vanished member) fails
// the transfer, as the real stall timeout does; the simulation's is short so that the leader
// retries within a run.
import type { SnapshotRequest } from '../../src/raft/index.js';
import type { TransportHandlers } from '../../src/transport/index.js';
import { decodeMessage, encodeMessage } from '../../src/transport/codec.js';

/** What a transfer needs of the network. */
export interface SnapshotLinkPorts {
  /** The live incarnation of `id`, or null when it is down. */
  incarnation(id: string): number | null;
  /** Whether one message from `from` to `to` gets through, and after how long (null: lost). */
  flight(from: string, to: string): number | null;
  /** Runs `fn` on member `id` (that incarnation) when it can run; never if it is gone. */
  onMember(id: string, incarnation: number, connection: string, fn: (handlers: TransportHandlers) => void): void;
}

/** Virtual ms a transfer step may wait (the real default is 30 s: see DEFAULT_TRANSPORT_OPTIONS). */
export const SIM_SNAPSHOT_STALL_MS = 1_000;
/** Virtual ms the receiver may take over the whole transfer (each step of it is bounded too). */
const RECEIVE_MS = 10_000;

/** Transfers counted by outcome (what the runs exercise). */
export interface SnapshotCounts {
  started: number;
  accepted: number;
  failed: number;
}

/** The snapshot transfers of one simulated network. */
export class SnapshotLinks {
  private readonly inFlight = new Set<string>();
  readonly counts: SnapshotCounts = { started: 0, accepted: 0, failed: 0 };
  /** Told of every transfer that starts (a fault schedule may cut the receiver's power during it). */
  onStart: ((to: string) => void) | null = null;
  /** Told when a receiver accepted a transfer, before it installs the snapshot or its answer leaves. */
  onAccepted: ((to: string) => void) | null = null;

  constructor(private readonly ports: SnapshotLinkPorts) {}

  /** Raft's `snapshot` message from `from` (that incarnation): a transfer, unless one to `to` is under way. */
  send(from: string, incarnation: number, msg: SnapshotRequest): void {
    const key = `${from}#${incarnation}>${msg.to}`;
    // Raft waits for the outcome of the transfer under way; a second one would be redundant (peer.ts drops it too).
    if (this.inFlight.has(key)) return;
    this.inFlight.add(key);
    this.counts.started++;
    this.onStart?.(msg.to);
    void this.transfer(from, incarnation, msg)
      .then(
        (acceptedBy) => ({ ok: true, acceptedBy }),
        () => ({ ok: false, acceptedBy: 0 }),
      )
      .then(({ ok, acceptedBy }) => {
        this.inFlight.delete(key);
        if (ok) this.counts.accepted++;
        else this.counts.failed++;
        this.ports.onMember(from, incarnation, 'out', (h) => h.onSnapshotSent?.(msg.to, ok, acceptedBy));
      });
  }

  /**
   * One transfer; resolves once the receiver's acceptance reached the sender, with the accepting
   * incarnation as the ack carries it; rejects on any failure.
   */
  private async transfer(from: string, fromIncarnation: number, msg: SnapshotRequest): Promise<number> {
    const to = msg.to;
    const source = await this.onSender(from, fromIncarnation, to, (h) => h.snapshotSource(msg));
    const chunks = source.chunks[Symbol.asyncIterator]();
    try {
      const message = decodeMessage(encodeMessage(source.message));
      if (message.type !== 'snapshot') throw new Error('snapshotSource gave a message that is not a snapshot');
      await this.cross(from, to);
      const toIncarnation = this.ports.incarnation(to);
      if (toIncarnation === null) throw new Error(`${to} is down (connection refused)`);
      const received = this.carry(chunks, from, fromIncarnation, to, toIncarnation);
      // The receiver's answer: its onSnapshot resolving accepts, rejecting refuses.
      await this.onReceiver(to, toIncarnation, from, (h) => h.onSnapshot(message, received), RECEIVE_MS);
      this.onAccepted?.(to);
      await this.cross(to, from);
      return wireIncarnation(toIncarnation);
    } finally {
      await chunks.return?.(undefined)?.catch(() => undefined);
    }
  }

  /** The chunks as the receiver reads them: each pulled on the sender, across the link, handed over on the receiver. */
  private async *carry(chunks: AsyncIterator<Uint8Array>, from: string, fromIncarnation: number, to: string, toIncarnation: number): AsyncGenerator<Uint8Array> {
    for (;;) {
      const next = await this.onSender(from, fromIncarnation, to, () => chunks.next());
      if (next.done) return;
      const data = Buffer.from(next.value); // the receiver never shares the sender's buffer
      await this.cross(from, to);
      await this.onReceiver(to, toIncarnation, from, async () => undefined);
      yield data;
    }
  }

  /** Runs `run` on the sender (that incarnation), failing when it does not run within the stall timeout. */
  private onSender<T>(from: string, incarnation: number, to: string, run: (h: TransportHandlers) => Promise<T>): Promise<T> {
    return within(SIM_SNAPSHOT_STALL_MS, (resolve, reject) => this.ports.onMember(from, incarnation, `snapshot>${to}`, (h) => void run(h).then(resolve, reject)));
  }

  /** One message from `from` to `to`: waits its delay, or fails (after the stall timeout) if the link loses it. */
  private async cross(from: string, to: string): Promise<void> {
    const delay = this.ports.flight(from, to);
    await sleep(delay ?? SIM_SNAPSHOT_STALL_MS);
    if (delay === null) throw new Error(`the link ${from} -> ${to} lost part of a snapshot transfer`);
  }

  /** Runs `run` on the receiver (that incarnation), failing when it does not run within `stallMs`. */
  private onReceiver<T>(to: string, incarnation: number, from: string, run: (h: TransportHandlers) => Promise<T>, stallMs = SIM_SNAPSHOT_STALL_MS): Promise<T> {
    return within(stallMs, (resolve, reject) => this.ports.onMember(to, incarnation, `snapshot<${from}`, (h) => void run(h).then(resolve, reject)));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `body`'s outcome, or a stall error after `ms` virtual milliseconds. */
function within<T>(ms: number, body: (resolve: (v: T) => void, reject: (e: unknown) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`snapshot transfer stalled for ${ms} ms`)), ms);
    body(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** A member's incarnation as its messages carry it (raft.proto: 0 on the wire means "not said"). */
export function wireIncarnation(incarnation: number): number {
  return incarnation + 1;
}
