// The exactly-once table bound to its callers: sessions are per authenticated user (another user
// cannot spoil them, whatever client id it sends), and a full table refuses a new session rather
// than evicting one active within sessionIdleMs by the leaders' clocks; an idle one makes room.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Command } from '../../src/state/commands.js';
import { StateMachine } from '../../src/state/state-machine.js';
import { b, cleanup, entry, tempDir } from './helpers.js';

let dir: string;
let sm: StateMachine;
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await sm.close().catch(() => {});
  await cleanup(dir);
});

const T0 = 1_700_000_000_000;
const put = (key: string, clientId: string, seq: number, at: number, user?: string): Command => ({
  type: 'put',
  key: b(key),
  value: b(`${clientId}/${seq}`),
  req: { clientId, seq, at },
  ...(user ? { auth: { user, revision: 0 } } : {}),
});
async function apply(...cmds: Command[]): Promise<ReturnType<StateMachine['apply']>> {
  const first = sm.appliedIndex() + 1;
  return sm.apply(cmds.map((c, i) => entry(first + i, c)));
}

describe('a full exactly-once table', () => {
  it('refuses a new session while every session is active, and keeps deduplicating the old ones', async () => {
    sm = await StateMachine.open(`${dir}/db`, { dedupe: { maxClients: 3, sessionIdleMs: 60_000 } });
    await apply(put('a', 'c1', 1, T0), put('b', 'c2', 1, T0 + 1), put('c', 'c3', 1, T0 + 2));
    const [refused] = await apply(put('d', 'c4', 1, T0 + 59_000));
    expect(refused!.result).toMatchObject({ type: 'error', code: 'sessionsFull', message: expect.stringContaining('exactly-once table is full: 3 sessions') });
    expect(await sm.get(b('d'))).toBeNull();
    // The oldest session's retry is still recognised: applied once.
    const [retry] = await apply(put('a', 'c1', 1, T0 + 59_500));
    expect(retry!.duplicate).toBe(true);
    expect(await sm.get(b('a'))).toMatchObject({ version: 1 });
    expect(sm.sessions()).toBe(3);
  });

  it('lets a new session push out one idle for sessionIdleMs, the least recently active', async () => {
    sm = await StateMachine.open(`${dir}/db`, { dedupe: { maxClients: 2, sessionIdleMs: 60_000 } });
    await apply(put('a', 'c1', 1, T0), put('b', 'c2', 1, T0 + 30_000));
    const [admitted] = await apply(put('c', 'c3', 1, T0 + 60_001));
    expect(admitted!.result).toMatchObject({ type: 'put' });
    // c1 went (idle), c2 stayed.
    expect((await apply(put('a', 'c1', 1, T0 + 60_002)))[0]!.duplicate).toBe(false);
    expect(sm.sessions()).toBe(2);
  });

  it('decides the same after a reopen (the leader clock of each session is stored)', async () => {
    sm = await StateMachine.open(`${dir}/db`, { dedupe: { maxClients: 2, sessionIdleMs: 60_000 } });
    await apply(put('a', 'c1', 1, T0), put('b', 'c2', 1, T0 + 50_000));
    await sm.close();
    sm = await StateMachine.open(`${dir}/db`, { dedupe: { maxClients: 2, sessionIdleMs: 60_000 } });
    expect((await apply(put('c', 'c3', 1, T0 + 59_000)))[0]!.result).toMatchObject({ code: 'sessionsFull' });
    expect((await apply(put('c', 'c3', 1, T0 + 60_001)))[0]!.result).toMatchObject({ type: 'put' });
  });

  it('keeps the old rule (evict the least recently active) for requests from before stamping', async () => {
    sm = await StateMachine.open(`${dir}/db`, { dedupe: { maxClients: 1 } });
    const legacy = (clientId: string): Command => ({ type: 'put', key: b(clientId), value: b('v'), req: { clientId, seq: 1 } });
    const [a, c] = await apply(legacy('x'), legacy('y'));
    expect(a!.result.type).toBe('put');
    expect(c!.result.type).toBe('put');
    expect(sm.sessions()).toBe(1);
  });
});

describe('sessions bound to users', () => {
  it('another user cannot poison a session with its client id and the largest seq', async () => {
    sm = await StateMachine.open(`${dir}/db`);
    await apply(put('k', 'shared-id', 5, T0, 'alice'));
    const [bob] = await apply(put('k', 'shared-id', Number.MAX_SAFE_INTEGER, T0 + 1, 'bob'));
    expect(bob!.result.type).toBe('put'); // bob's own session
    const [next, retry] = await apply(put('k', 'shared-id', 6, T0 + 2, 'alice'), put('k', 'shared-id', 6, T0 + 3, 'alice'));
    expect(next!.result.type).toBe('put');
    expect(retry!.duplicate).toBe(true);
    // Nor does a client without a user (auth off at its leader) reach alice's session.
    const [anon] = await apply(put('k', 'shared-id', 7, T0 + 4));
    expect(anon!.result.type).toBe('put');
    expect((await apply(put('k', 'shared-id', 6, T0 + 5, 'alice')))[0]!.duplicate).toBe(true);
  });

  it('one user cannot fill the table: its own share is bounded, others still get in', async () => {
    sm = await StateMachine.open(`${dir}/db`, { dedupe: { maxClients: 10, maxClientsPerUser: 3, sessionIdleMs: 60_000 } });
    for (let i = 0; i < 3; i++) await apply(put('m', `m${i}`, 1, T0 + i, 'mallory'));
    const [fourth] = await apply(put('m', 'm3', 1, T0 + 10, 'mallory'));
    expect(fourth!.result).toMatchObject({ code: 'sessionsFull', message: expect.stringContaining('user "mallory" already has 3 sessions') });
    expect((await apply(put('a', 'a0', 1, T0 + 11, 'alice')))[0]!.result.type).toBe('put');
    // Once mallory's oldest is idle, her new session takes its place (hers, not alice's).
    expect((await apply(put('m', 'm3', 1, T0 + 60_001, 'mallory')))[0]!.result.type).toBe('put');
    expect((await apply(put('a', 'a0', 1, T0 + 60_002, 'alice')))[0]!.duplicate).toBe(true);
    expect(sm.sessions()).toBe(4);
  });
});
