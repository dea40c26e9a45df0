import { describe, expect, test } from 'vitest';
import { leaseDurationMs, makeRaftConfig, tickGapMs } from '../../src/raft/config.js';
import type { RaftConfig } from '../../src/raft/config.js';
import { sequence } from './harness.js';

describe('makeRaftConfig', () => {
  test('a byte window that could hold nothing is refused up front, rather than stalling replication', () => {
    // With maxInflightBytes 0 a follower in replicate state is paused before its first append, and
    // no acknowledgement ever comes to open the window: the leader would never replicate again.
    for (const maxInflightBytes of [0, -1, Number.NaN]) {
      expect(() => makeRaftConfig({ id: 'n1', random: sequence(0), maxInflightBytes })).toThrow(/maxInflightBytes must be >= 1/);
    }
    expect(makeRaftConfig({ id: 'n1', random: sequence(0), maxInflightBytes: 1 }).maxInflightBytes).toBe(1);
  });

  test('every other count and byte bound is refused at 0, below 0 or NaN, naming the setting', () => {
    for (const name of ['maxInflightMsgs', 'maxMsgBytes', 'maxEntriesPerMsg', 'maxCommittedBytesPerReady', 'maxUncommittedEntries', 'maxPendingReads'] as const) {
      for (const v of [0, -5, Number.NaN]) {
        expect(() => makeRaftConfig({ id: 'n1', random: sequence(0), [name]: v }), `${name} = ${v}`).toThrow(new RegExp(`${name} must be >= 1`));
      }
      expect(makeRaftConfig({ id: 'n1', random: sequence(0), [name]: 1 })[name]).toBe(1);
    }
  });

  test('settings that break the timing Raft relies on are refused, and the limits themselves are accepted', () => {
    const make = (over: Partial<RaftConfig>) => () => makeRaftConfig({ id: 'n1', random: sequence(0), ...over });
    expect(make({ id: '' })).toThrow(/id must be non-empty/);
    expect(make({ heartbeatTicks: 0 })).toThrow(/heartbeatTicks must be >= 1/);
    expect(make({ heartbeatTicks: 1, electionTicks: 2, leaseSafetyTicks: 1 })).not.toThrow();
    // An election timeout no longer than the heartbeat: followers would campaign between heartbeats.
    expect(make({ heartbeatTicks: 5, electionTicks: 5 })).toThrow(/electionTicks must be greater than heartbeatTicks/);
    expect(make({ heartbeatTicks: 5, electionTicks: 4 })).toThrow(/electionTicks must be greater than heartbeatTicks/);
    for (const tickMs of [0, -10, Number.NaN]) expect(make({ tickMs }), `tickMs ${tickMs}`).toThrow(/tickMs must be > 0/);
    expect(make({ tickMs: 0.5 })).not.toThrow();
    // The lease's safety margin: at least one tick, and shorter than the election timeout.
    expect(make({ leaseSafetyTicks: 0 })).toThrow(/leaseSafetyTicks must be in \[1, electionTicks\)/);
    expect(make({ electionTicks: 15, leaseSafetyTicks: 15 })).toThrow(/leaseSafetyTicks must be in/);
    expect(make({ electionTicks: 15, leaseSafetyTicks: 16 })).toThrow(/leaseSafetyTicks must be in/);
    expect(make({ electionTicks: 15, leaseSafetyTicks: 1 })).not.toThrow();
    expect(make({ electionTicks: 15, leaseSafetyTicks: 14 })).not.toThrow();
  });
});

describe('lease timing', () => {
  test('the lease is the election timeout less the safety ticks; a tick gap longer than the safety ticks ends it', () => {
    const cfg = makeRaftConfig({ id: 'n1', random: sequence(0), tickMs: 10, electionTicks: 15, leaseSafetyTicks: 3 });
    expect(leaseDurationMs(cfg)).toBe(120);
    expect(tickGapMs(cfg)).toBe(30);
    const slow = makeRaftConfig({ id: 'n1', random: sequence(0), tickMs: 20, electionTicks: 10, heartbeatTicks: 2, leaseSafetyTicks: 4 });
    expect(leaseDurationMs(slow)).toBe(120);
    expect(tickGapMs(slow)).toBe(80);
  });
});
