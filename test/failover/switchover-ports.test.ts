// The switchover runs on its ports alone (src/failover/ports.ts): a view of the core, the driver's
// transfer, the request gate and another member's Status. No gRPC server here: the ports are
// plain objects a test (or the whole-node simulation) sets up, as the node does in production.
import { pino } from 'pino';
import { describe, expect, test } from 'vitest';
import { monotonicMs, systemWallClock } from '../../src/common/clock.js';
import { Status } from '../../src/common/errors.js';
import { systemTimers } from '../../src/common/timers.js';
import { DEFAULT_FAILOVER_OPTIONS, NoCandidateError, Switchover, type PeerStatus, type RaftView } from '../../src/failover/index.js';
import type { ConfState, Role } from '../../src/raft/index.js';

/** A leader n1 whose followers hold the log up to `match[id]`; its last index is 100. */
function leader(conf: ConfState, match: Record<string, number>): RaftView & { role: Role; leader: string | null; transferTarget: string | null } {
  const view = {
    id: 'n1',
    role: 'leader' as Role,
    term: 3,
    leader: 'n1' as string | null,
    transferTarget: null as string | null,
    log: { lastIndex: () => 100, committed: 100, term: () => 3 },
    get leaderState() {
      return view.role === 'leader' ? { quorumContact: () => true, transferTarget: view.transferTarget } : null;
    },
    conf: () => conf,
    matchIndex: (id: string) => match[id] ?? null,
    status: () => ({ hasQuorum: true }),
    cfg: { electionTicks: 15, tickMs: 10 },
  };
  return view;
}

function switchover(raft: ReturnType<typeof leader>, statuses: Record<string, PeerStatus | Error>, transferred: string[] = [], held = { count: 0 }): Switchover {
  return new Switchover({
    raft,
    driver: {
      appliedIndex: () => raft.log.lastIndex(),
      // The core would send TimeoutNow; here the target wins at once.
      transferLeadership: (to) => {
        transferred.push(to);
        raft.role = 'follower';
        raft.leader = to;
      },
    },
    holdRequests: () => {
      held.count++;
      return () => held.count--;
    },
    peers: {
      address: (id) => (id === 'n9' ? undefined : `${id}:7001`),
      status: async (address) => {
        const s = statuses[address.split(':')[0]!];
        if (s instanceof Error) throw s;
        return s ?? {};
      },
      reportQuorumLoss: () => {
        throw new Error('a switchover reports no quorum loss');
      },
    },
    options: { ...DEFAULT_FAILOVER_OPTIONS, maxLagEntries: 10, catchUpTimeoutMs: 200 },
    electionTimeoutMs: 200,
    log: pino({ level: 'silent' }),
    putMeta: async () => {},
    beforeHandover: async () => {},
    onFinished: () => {},
    timers: systemTimers,
    wallClock: systemWallClock,
    clock: monotonicMs,
  });
}

const conf: ConfState = { voters: ['n1', 'n2', 'n3', 'n4', 'n9'], votersOutgoing: [], learners: ['n5'], learnersNext: [] };

describe('Switchover on its ports', () => {
  test('each ineligible candidate is refused with its reason', async () => {
    const raft = leader(conf, { n2: 100, n3: 50, n4: 100, n5: 100 });
    const s = switchover(raft, { n2: { priority: 0 }, n3: { priority: 1 }, n4: new Error('connect ECONNREFUSED') });
    expect(await s.check('n1', 10)).toMatchObject({ ok: false, why: 'is already the leader' });
    expect(await s.check('n5', 10)).toMatchObject({ ok: false, why: 'is a learner' });
    expect(await s.check('n7', 10)).toMatchObject({ ok: false, why: 'is not a voting member' });
    expect(await s.check('n9', 10)).toMatchObject({ ok: false, why: 'has no known address' });
    expect(await s.check('n2', 10)).toMatchObject({ ok: false, why: 'has priority 0' });
    expect(await s.check('n3', 10)).toMatchObject({ ok: false, lagEntries: 50, why: 'lags by 50 entries (at most 10)' });
    expect(await s.check('n4', 10)).toMatchObject({ ok: false, unreachable: true });
    const refused = await s.run({ reason: 'switchover' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(NoCandidateError);
    expect((refused as NoCandidateError).code).toBe(Status.FAILED_PRECONDITION);
    expect(s.last?.state).toBe('aborted');
  });

  test('an eligible candidate gets leadership through the driver, with requests held meanwhile and released after', async () => {
    const raft = leader(conf, { n2: 100, n3: 100, n4: 100 });
    const transferred: string[] = [];
    const held = { count: 0 };
    const s = switchover(raft, { n2: { priority: 1 }, n3: { priority: 1 }, n4: { priority: 1 } }, transferred, held);
    const done = await s.run({ to: 'n3', reason: 'switchover' });
    expect(transferred).toEqual(['n3']);
    expect(done).toMatchObject({ state: 'done', from: 'n1', to: 'n3' });
    expect(held.count).toBe(0);
  });

  test('a request naming another expected leader is refused before anything is held', async () => {
    const held = { count: 0 };
    const s = switchover(leader(conf, {}), {}, [], held);
    await expect(s.run({ expectedLeader: 'n2', reason: 'switchover' })).rejects.toMatchObject({ code: Status.FAILED_PRECONDITION, message: 'the leader is n1, not n2' });
    expect(held.count).toBe(0);
  });
});
