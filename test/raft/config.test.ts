import { describe, expect, test } from 'vitest';
import { makeRaftConfig } from '../../src/raft/config.js';
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
});
