// The leader lease (thesis §6.4.1) on the host's clock. A lease read is served without a round
// trip only while, at the moment it is decided, less than leaseDurationMs has passed since the
// send time of the heartbeat round a quorum last acknowledged; after a gap in the leader's ticks
// it also waits for a round sent after the gap. Time enters the core with tick(nowMs) and
// leaseRead(ctx, nowMs); the harness gives each node a clock it can move without ticking.
import { describe, expect, test } from 'vitest';
import { leaseDurationMs, tickGapMs, type Message, type Ready } from '../../src/raft/index.js';
import { ELECTION_TICKS, Network } from './harness.js';

function electedCluster(opts: ConstructorParameters<typeof Network>[0] = {}): Network {
  const net = new Network(opts);
  net.elect('n1');
  net.tickAll();
  return net;
}

/** The Readies `id` handled while `fn` ran. */
function readiesDuring(net: Network, id: string, fn: () => void): Ready[] {
  const before = net.peer(id).readies.length;
  fn();
  return net.peer(id).readies.slice(before);
}

/** A lease read on `id`: whether it was answered at once, and what the leader sent for it. */
function leaseRead(net: Network, id: string, ctx: string): { served: boolean; messages: Message[] } {
  const rds = readiesDuring(net, id, () => net.leaseRead(id, ctx));
  return { served: rds.some((rd) => rd.readStates.some((rs) => rs.ctx === ctx)), messages: rds.flatMap((rd) => rd.messages) };
}

const confirmed = (net: Network, id: string): string[] => net.peer(id).readStates.map((rs) => rs.ctx);

describe('leader lease on the clock', () => {
  test('while heartbeats are acknowledged, every lease read is answered in its own Ready with no message', () => {
    const net = electedCluster();
    for (let k = 0; k < 3 * ELECTION_TICKS; k++) {
      expect(leaseRead(net, 'n1', `r${k}`)).toEqual({ served: true, messages: [] });
      net.tickAll();
    }
  });

  test('refused once the acknowledged round was sent leaseDurationMs ago, with no tick since; a fresh round renews it', () => {
    const net = electedCluster();
    const leaseMs = leaseDurationMs(net.raft('n1').cfg);
    // n1's last tick sent the round n2 and n3 acknowledged; its clock moves on, its timer does not.
    net.advanceClock('n1', leaseMs - 1);
    expect(leaseRead(net, 'n1', 'r1')).toEqual({ served: true, messages: [] });

    net.advanceClock('n1', 1);
    const r2 = leaseRead(net, 'n1', 'r2');
    expect(r2.served).toBe(false);
    expect(r2.messages.map((m) => m.type)).toEqual(['heartbeat', 'heartbeat']); // ReadIndex instead

    net.stabilize();
    expect(confirmed(net, 'n1')).toEqual(['r1', 'r2']);
    // That round left at the read's time and a quorum acknowledged it: the lease holds again.
    expect(leaseRead(net, 'n1', 'r3')).toEqual({ served: true, messages: [] });
  });

  test('a leader paused past an election serves nothing from its old lease when it wakes, before its first tick', () => {
    const net = electedCluster();
    const tickMs = net.raft('n1').cfg.tickMs;
    const healN1 = net.isolate('n1');
    // n1 is frozen: no ticks, no messages. The others wait out their vote refusal and elect n2,
    // which commits a value n1 does not have.
    for (let k = 0; k < ELECTION_TICKS; k++) {
      net.tick('n2');
      net.tick('n3');
      net.stabilize();
    }
    net.elect('n2');
    const { index } = net.propose('n2', 'new');
    net.stabilize();
    expect(net.raft('n2').log.committed).toBe(index);
    // n1 wakes: its clock counted the pause. A read arrives before its timer fires.
    net.advanceClock('n1', (ELECTION_TICKS + 1) * tickMs);
    expect(net.raft('n1').role).toBe('leader');
    expect(leaseRead(net, 'n1', 'stale?').served).toBe(false);

    healN1();
    net.stabilize();
    expect(net.raft('n1').role).toBe('follower');
    expect(confirmed(net, 'n1')).toEqual([]);
    expect(net.peer('n1').failedReads).toEqual(['stale?']);
  });

  test('after a gap in its ticks a leader waits for a round sent after the gap, though the clock alone would allow the lease', () => {
    const net = electedCluster();
    const cfg = net.raft('n1').cfg;
    const roundSentMs = net.nowMs('n1');
    net.advanceClock('n1', tickGapMs(cfg));
    net.tick('n1'); // one interval plus the gap threshold after the previous tick
    expect(net.nowMs('n1') - roundSentMs).toBeLessThan(leaseDurationMs(cfg));
    expect(leaseRead(net, 'n1', 'r1').served).toBe(false);

    net.stabilize();
    expect(confirmed(net, 'n1')).toEqual(['r1']);
    expect(leaseRead(net, 'n1', 'r2')).toEqual({ served: true, messages: [] });
  });

  test('a tick late by no more than the drift bound is no gap: the lease keeps serving', () => {
    const net = electedCluster();
    const cfg = net.raft('n1').cfg;
    net.advanceClock('n1', tickGapMs(cfg) - cfg.tickMs);
    net.tick('n1');
    expect(leaseRead(net, 'n1', 'r1')).toEqual({ served: true, messages: [] });
  });

  test('the tick after a gap sends a heartbeat round at once, before the heartbeat interval is up', () => {
    const net = electedCluster({ config: { heartbeatTicks: 3 } });
    // Tick until a heartbeat round has just left: the next is due three ticks later.
    for (let k = 0; k < 3 && !net.inFlight().some((m) => m.type === 'heartbeat'); k++) {
      net.stabilize();
      net.tick('n1');
    }
    expect(net.inFlight().map((m) => m.type)).toEqual(['heartbeat', 'heartbeat']);
    net.stabilize();

    net.advanceClock('n1', tickGapMs(net.raft('n1').cfg));
    net.tick('n1');
    expect(net.inFlight().map((m) => `${m.type}>${m.to}`)).toEqual(['heartbeat>n2', 'heartbeat>n3']);
    net.stabilize();
    expect(leaseRead(net, 'n1', 'r1')).toEqual({ served: true, messages: [] });
  });

  test('the lease ends, drift bound to spare, before a follower that acknowledged its round grants a vote, even one whose tick comes right after', () => {
    const net = electedCluster();
    const cfg = net.raft('n1').cfg;
    net.tick('n1');
    net.stabilize(); // n3 has the round and acknowledged it; its own next tick comes at once
    const preVote: Message = { type: 'preVote', from: 'n2', to: 'n3', term: 3, lastLogIndex: 2, lastLogTerm: 2 };
    let ticks = 0;
    for (; ticks < 10 * ELECTION_TICKS; ) {
      net.tick('n3');
      ticks++;
      if (net.step(preVote).some((rd) => rd.messages.some((m) => m.type === 'preVoteResponse' && m.granted))) break;
    }
    // The first tick came with no time passed, so this is the least time n3 can have refused for.
    const refusedMs = (ticks - 1) * cfg.tickMs;
    const driftBoundMs = (cfg.leaseSafetyTicks - 1) * cfg.tickMs;
    expect(refusedMs).toBe((ELECTION_TICKS - 1) * cfg.tickMs);
    expect(refusedMs).toBeGreaterThanOrEqual(leaseDurationMs(cfg) + driftBoundMs);
  });

  test('no lease for the rest of the term once TimeoutNow left, even after the transfer was abandoned: the target may still win at once', () => {
    const net = electedCluster();
    const stopTimeoutNow = net.drop((m) => m.type === 'timeoutNow');
    net.request('n1', (r) => r.transferLeadership('n2'));
    const [timeoutNow] = net.sentWhere('timeoutNow');
    net.tickAll(ELECTION_TICKS);
    expect(net.raft('n1').status().transferTarget).toBeNull();
    expect(leaseRead(net, 'n1', 'r1').served).toBe(false);
    net.stabilize();
    expect(confirmed(net, 'n1')).toEqual(['r1']);

    // The TimeoutNow arrives late: n2 campaigns as a transfer, which n3 grants inside its lease.
    stopTimeoutNow();
    net.step(timeoutNow!);
    net.stabilize();
    expect(net.leader()).toBe('n2');
  });

  test('quorum contact (what ASYNC acknowledgements need) is judged on the clock too: a paused leader has none before its first tick', () => {
    const net = electedCluster();
    const cfg = net.raft('n1').cfg;
    const contact = (): boolean => net.raft('n1').leaderState!.quorumContact(net.nowMs('n1'));
    net.advanceClock('n1', ELECTION_TICKS * cfg.tickMs - 1);
    expect(contact()).toBe(true);
    net.advanceClock('n1', 1);
    expect(contact()).toBe(false);
  });
});
