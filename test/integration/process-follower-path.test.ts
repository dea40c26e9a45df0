// Followers as good as the leader (issue 18, item 3), on 3 real processes: writes a follower
// forwards in batches keep each client's order and exactly-once; a linearizable read a follower
// serves after a read-index round sees every write acknowledged before it began, during leader
// changes too (a checked history); a follower cut off from the others refuses the read within its
// deadline rather than answer from its own, older state.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checkHistory, formatViolation, HistoryRecorder } from '../../src/history/index.js';
import { RawKv } from './fixtures/raw.js';
import { logTailsOnFailure, ProcessCluster } from './process-cluster.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('follower endpoints: batched forwarding and follower reads, 3 processes', () => {
  let cluster: ProcessCluster | undefined;
  const raws: RawKv[] = [];
  const raw = (id: string): RawKv => {
    const r = new RawKv(cluster!.endpoints([id])[0]!);
    raws.push(r);
    return r;
  };
  beforeAll(async () => {
    cluster = await ProcessCluster.start({ nodes: 3 });
  });
  afterAll(async () => {
    for (const r of raws) r.close();
    await cluster?.close();
  });
  logTailsOnFailure(() => cluster);

  const followersOf = async (): Promise<{ leader: string; followers: string[] }> => {
    const leader = (await cluster!.leader()).id;
    return { leader, followers: [...cluster!.nodes.keys()].filter((id) => id !== leader) };
  };

  test('writes forwarded in batches keep each client\'s order and are applied once when retried through another follower', async () => {
    const { followers } = await followersOf();
    const [f1, f2] = followers as [string, string];
    const CLIENTS = 6;
    const WRITES = 40;
    // Every client sends all its writes at once to a follower (they share Forward messages),
    // each with its own request id; the leader must apply them in the order each client sent them.
    const first = await Promise.all(
      Array.from({ length: CLIENTS }, async (_, c) => {
        const kv = raw(c % 2 === 0 ? f1 : f2);
        const results = await Promise.all(
          Array.from({ length: WRITES }, (_, i) => kv.call('Put', { key: Buffer.from(`order/${c}`), value: Buffer.from(String(i)), id: { clientId: `order-${c}`, seq: i + 1 } })),
        );
        return results.map((r) => {
          expect(r.code, r.details).toBe('OK');
          return (r.response!.header as { revision: number }).revision;
        });
      }),
    );
    for (const revisions of first) expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
    // Retried through the other follower with the same ids: never applied again. The session's
    // last write is answered from the exactly-once table (the same revision); older ones are
    // refused as stale (FAILED_PRECONDITION) or already applied (ALREADY_EXISTS).
    for (let c = 0; c < CLIENTS; c++) {
      const kv = raw(c % 2 === 0 ? f2 : f1);
      const again = await Promise.all(
        Array.from({ length: WRITES }, (_, i) => kv.call('Put', { key: Buffer.from(`order/${c}`), value: Buffer.from(`retry-${i}`), id: { clientId: `order-${c}`, seq: i + 1 } })),
      );
      again.forEach((r, i) => {
        if (i === WRITES - 1 || r.code === 'OK') {
          expect(r.code, r.details).toBe('OK');
          expect((r.response!.header as { revision: number }).revision).toBe(first[c]![i]);
        } else {
          expect(`${r.code} ${r.details}`).toMatch(/^(ALREADY_EXISTS|FAILED_PRECONDITION stale request)/);
        }
      });
      const get = await kv.call('Get', { key: Buffer.from(`order/${c}`) });
      expect(get.response).toMatchObject({ found: true, value: Buffer.from(String(WRITES - 1)), version: WRITES });
    }
  });

  test('a follower\'s linearizable read sees every write acknowledged before it began (many rounds)', async () => {
    const { leader, followers } = await followersOf();
    const writer = raw(leader);
    const readers = followers.map((f) => raw(f));
    const stale: string[] = [];
    for (let i = 0; i < 150; i++) {
      const key = Buffer.from(`raw/${i % 5}`);
      const put = await writer.call('Put', { key, value: Buffer.from(`v${i}`) });
      expect(put.code, put.details).toBe('OK');
      // Right after the acknowledgement, from a follower that may not have heard of the commit yet.
      const get = await readers[i % readers.length]!.call('Get', { key, consistency: 'LINEARIZABLE' });
      expect(get.code, get.details).toBe('OK');
      const value = String(get.response!.value);
      if (value !== `v${i}`) stale.push(`read ${i}: ${value}`);
      expect((get.response!.header as { memberId: string }).memberId).toBe(followers[i % followers.length]);
    }
    expect(stale).toEqual([]);
  });

  test('reads through followers stay linearizable while the leader is paused and changes (checked history)', async () => {
    const c = cluster!;
    const history = new HistoryRecorder();
    const keys = ['hist/a', 'hist/b', 'hist/c'];
    const ids = [...c.nodes.keys()];
    let stop = false;
    let ops = 0;
    const loops = Array.from({ length: 9 }, async (_, p) => {
      // Each process talks to one node only, whatever its role: reads there are follower reads
      // most of the time, and writes are forwarded.
      const kv = raw(ids[p % ids.length]!);
      for (let i = 0; !stop; i++, ops++) {
        const key = keys[(p + i) % keys.length]!;
        if ((p + i) % 3 === 0) {
          const value = `p${p}-${i}`;
          const id = history.invoke(p, key, { type: 'write', value });
          const r = await kv.call('Put', { key: Buffer.from(key), value: Buffer.from(value) }, 2000);
          if (r.code === 'OK') history.ok(id);
          else history.unknown(id, r.code);
        } else {
          const id = history.invoke(p, key, { type: 'read' });
          const r = await kv.call('Get', { key: Buffer.from(key), consistency: 'LINEARIZABLE' }, 2000);
          if (r.code === 'OK') history.ok(id, r.response!.found ? String(r.response!.value) : null);
          else history.fail(id, r.code); // a read that failed did not observe anything
        }
      }
    });
    for (let round = 0; round < 2; round++) {
      await sleep(700);
      const old = (await c.leader()).id;
      c.sigstop(old);
      await c.leader(15_000, [old]);
      await sleep(500);
      c.sigcont(old);
    }
    await sleep(700);
    stop = true;
    await Promise.all(loops);
    const verdict = checkHistory(history);
    console.log(`[linearizability] ${ops} operations via all nodes around 2 leader pauses: ${String(verdict.linearizable)}`);
    if (verdict.violation) console.log(formatViolation(verdict.violation));
    expect(verdict.linearizable).toBe(true);
    const okReads = history.operations().filter((o) => o.op.type === 'read' && o.status === 'ok').length;
    expect(okReads).toBeGreaterThan(50);
  });

  test('a follower cut off from the others refuses a linearizable read within its deadline instead of answering stale data', async () => {
    const c = cluster!;
    await c.leader();
    const { leader, followers } = await followersOf();
    const [cut, other] = followers as [string, string];
    const key = Buffer.from('cut/k');
    expect((await raw(leader).call('Put', { key, value: Buffer.from('old') })).code).toBe('OK');
    const reader = raw(cut);
    expect((await reader.call('Get', { key, consistency: 'LINEARIZABLE' })).response).toMatchObject({ value: Buffer.from('old') });
    // The follower misses a write the others acknowledge, then they vanish and it wakes up.
    c.sigstop(cut);
    expect((await raw(leader).call('Put', { key, value: Buffer.from('new') })).code).toBe('OK');
    c.sigstop(leader);
    c.sigstop(other);
    c.sigcont(cut);
    try {
      const t0 = Date.now();
      const get = await reader.call('Get', { key, consistency: 'LINEARIZABLE' }, 1500);
      const ms = Date.now() - t0;
      expect(get.response?.value, 'the stale value').toBeUndefined();
      expect(['DEADLINE_EXCEEDED', 'UNAVAILABLE']).toContain(get.code);
      expect(ms).toBeLessThan(1500 + 1000);
      // What it holds is usually stale ('old'). SIGSTOP does not stop the kernel from taking the
      // leader's last messages into the follower's socket, so on waking it may apply 'new' too
      // (CI saw it once): either way no leader could confirm the read, and it had to be refused.
      const local = await reader.call('Get', { key, consistency: 'SERIALIZABLE' });
      const held = Buffer.from((local.response as { value?: Buffer } | undefined)?.value ?? Buffer.alloc(0)).toString();
      expect(['old', 'new']).toContain(held);
      console.log(`[cut follower] refused the linearizable read (${get.code}) holding '${held}' locally`);
    } finally {
      c.sigcont(leader);
      c.sigcont(other);
    }
    await c.leader(15_000);
    const after = await reader.call('Get', { key, consistency: 'LINEARIZABLE' }, 5000);
    expect(after.response).toMatchObject({ value: Buffer.from('new') });
  });
});
