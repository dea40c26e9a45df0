// A leader frozen (SIGSTOP: a GC pause, a throttled container, `docker pause`) until the others
// elected a successor and committed a new value must not answer LEASE reads from its old lease
// when it wakes. Reads sent to it while frozen wait in its socket and, after SIGCONT, run before
// any of its timers: a lease clock that only a timer advances still says "valid" then (issue 13).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RawKv, type RawResult } from './fixtures/raw.js';
import { unreadBytesFromUs } from './fixtures/socket-queue.js';
import { logTailsOnFailure, ProcessCluster } from './process-cluster.js';

const ROUNDS = 6;
const READS_PER_ROUND = 300;
/**
 * A LEASE Get on the wire is an HTTP/2 HEADERS frame and a DATA frame of at least 9 + 9 + 5 bytes
 * of framing plus the key: 30 bytes per request is a floor, so this many unread bytes means every
 * request reached the frozen leader's socket.
 */
const MIN_REQUEST_BYTES = 30;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface RoundResult {
  leader: string;
  successor: string;
  frozenMs: number;
  queuedBytes: number;
  stale: number;
  fresh: number;
  /** Answers that named another leader (FAILED_PRECONDITION), asked again there as a client would. */
  redirected: number;
  errors: Record<string, number>;
}

const portOf = (address: string): number => Number(address.slice(address.lastIndexOf(':') + 1));

/** Waits until at least `bytes` sent by this process sit unread on `port`, and stop growing. */
async function waitQueued(port: number, bytes: number, timeoutMs = 10_000): Promise<number> {
  const until = Date.now() + timeoutMs;
  let last = -1;
  for (;;) {
    const now = unreadBytesFromUs(port);
    if (now >= bytes && now === last) return now;
    if (Date.now() >= until) throw new Error(`only ${now} of at least ${bytes} request bytes reached port ${port}`);
    last = now;
    await sleep(50);
  }
}

/**
 * What a client does with FAILED_PRECONDITION and a raftdb-leader trailer: asks that node, once.
 * (On a loaded machine leadership can move again while the woken node forwards its reads: the
 * node it forwarded to answers with the newer leader's address, as the contract says.)
 */
async function followRedirects(results: RawResult[], key: string): Promise<{ results: RawResult[]; redirected: number }> {
  const stubs = new Map<string, RawKv>();
  let redirected = 0;
  try {
    const out = await Promise.all(
      results.map(async (r) => {
        if (r.code !== 'FAILED_PRECONDITION' || !r.leaderTrailer) return r;
        redirected++;
        let stub = stubs.get(r.leaderTrailer);
        if (!stub) stubs.set(r.leaderTrailer, (stub = new RawKv(r.leaderTrailer)));
        return stub.call('Get', { key: Buffer.from(key), consistency: 'LEASE' }, 15_000);
      }),
    );
    return { results: out, redirected };
  } finally {
    for (const s of stubs.values()) s.close();
  }
}

describe('3-node cluster of processes: LEASE reads on a leader paused past an election', () => {
  let cluster: ProcessCluster | undefined;
  beforeAll(async () => {
    cluster = await ProcessCluster.start({ nodes: 3 });
  });
  afterAll(async () => cluster?.close());
  logTailsOnFailure(() => cluster);

  /** Freezes the leader, overwrites `key` through its successor, queues LEASE reads at the frozen leader, wakes it. */
  async function pauseRound(round: number): Promise<RoundResult> {
    const c = cluster!;
    const leader = await c.leader();
    const others = [...c.nodes.keys()].filter((id) => id !== leader.id);
    const key = `lease-pause/${round}`;
    const writer = c.client({ endpoints: c.endpoints(others), timeoutMs: 10_000 });
    await writer.put(key, 'old');
    const [address] = c.endpoints([leader.id]);
    const raw = new RawKv(address!);
    try {
      // The connection is up and the lease serves before the pause.
      const before = await raw.call('Get', { key: Buffer.from(key), consistency: 'LEASE' });
      expect(before.code, before.details).toBe('OK');
      expect(String(before.response?.value)).toBe('old');

      c.sigstop(leader.id);
      const frozenAt = Date.now();
      const port = portOf(address!);
      let primer: Promise<RawResult> | null = null;
      let reads: Promise<RawResult>[] = [];
      let successor = '';
      let queuedBytes = 0;
      try {
        // A client that keeps talking to the frozen leader: its connection turns readable before
        // any peer's (the followers only campaign an election timeout later), so after SIGCONT
        // the leader reads this connection, and the reads queued behind the primer, first.
        // The primer itself was sent before the new value and may return either value.
        primer = raw.call('Get', { key: Buffer.from(key), consistency: 'LEASE' }, 15_000);
        await waitQueued(port, MIN_REQUEST_BYTES);
        successor = (await c.leader(20_000)).id;
        await writer.put(key, 'new');
        const baseline = unreadBytesFromUs(port);
        reads = Array.from({ length: READS_PER_ROUND }, () => raw.call('Get', { key: Buffer.from(key), consistency: 'LEASE' }, 15_000));
        queuedBytes = (await waitQueued(port, baseline + READS_PER_ROUND * MIN_REQUEST_BYTES)) - baseline;
      } finally {
        c.sigcont(leader.id);
      }
      const frozenMs = Date.now() - frozenAt;
      await primer;
      const { results, redirected } = await followRedirects(await Promise.all(reads), key);
      const errors: Record<string, number> = {};
      let stale = 0;
      let fresh = 0;
      for (const r of results) {
        if (r.code !== 'OK') errors[r.code] = (errors[r.code] ?? 0) + 1;
        else if (String(r.response?.value) === 'old') stale++;
        else if (String(r.response?.value) === 'new') fresh++;
        else errors[`value ${String(r.response?.value)}`] = 1;
      }
      await c.ready(leader.id);
      return { leader: leader.id, successor, frozenMs, queuedBytes, stale, fresh, redirected, errors };
    } finally {
      raw.close();
      writer.close();
    }
  }

  test(`${ROUNDS} rounds: none of ${READS_PER_ROUND} LEASE reads queued at the frozen leader returns the overwritten value`, async () => {
    const rounds: RoundResult[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const r = await pauseRound(round);
      console.log(
        `[lease-pause] round ${round}: ${r.leader} frozen ${r.frozenMs} ms (successor ${r.successor}), ${r.queuedBytes} request bytes queued; ` +
          `${r.stale} stale, ${r.fresh} fresh (${r.redirected} after a redirect), errors ${JSON.stringify(r.errors)}`,
      );
      rounds.push(r);
    }
    expect(rounds.map((r) => r.stale)).toEqual(rounds.map(() => 0));
    // A refused lease falls back to ReadIndex; once the old leader learns it was deposed, the
    // read is passed on to the new leader: the client sees the new value, not an error. Only a
    // node that stayed without a known leader for an election timeout (a starved machine)
    // answers UNAVAILABLE instead: retryable, and never more than a few.
    for (const r of rounds) expect(Object.keys(r.errors).filter((code) => code !== 'UNAVAILABLE')).toEqual([]);
    const fresh = rounds.reduce((n, r) => n + r.fresh, 0);
    expect(fresh).toBeGreaterThanOrEqual(0.9 * ROUNDS * READS_PER_ROUND);
  }, 180_000);
});
