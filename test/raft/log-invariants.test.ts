// The Raft log's own checks throw RaftInvariantError: the driver stops the node on that class
// (driver.ts#guard), where a plain Error from a peer's message was dropped and the node went on.
import { describe, expect, it } from 'vitest';
import { RaftInvariantError } from '../../src/raft/index.js';
import { RaftLog } from '../../src/raft/log.js';

const entry = (index: number) => ({ index, term: 1, type: 0, data: new Uint8Array(0) }) as never;

describe('RaftLog invariants', () => {
  it('commit past the last entry, apply past commit, compact past apply and slice below the snapshot are RaftInvariantError', () => {
    const log = RaftLog.restore(2, 1, [entry(3), entry(4)], 3, 3);
    expect(() => log.commitTo(5)).toThrow(RaftInvariantError);
    expect(() => log.appliedTo(4)).toThrow(RaftInvariantError);
    expect(() => log.compact(4)).toThrow(RaftInvariantError);
    expect(() => log.slice(2, 4, 1 << 20, 10)).toThrow(RaftInvariantError);
  });
});
