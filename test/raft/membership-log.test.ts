// The membership log on its own: which configuration is in force after entries are appended,
// overwritten, compacted into a snapshot or replaced by one (thesis §4.1: the latest in the log,
// committed or not).
import { describe, expect, test } from 'vitest';
import { simpleConf } from '../../src/raft/confchange.js';
import { MembershipLog } from '../../src/raft/membership.js';
import { EntryType } from '../../src/raft/types.js';
import type { ConfChange, Entry } from '../../src/raft/types.js';

const base = simpleConf(['n1', 'n2', 'n3']);

function confEntry(index: number, conf: ConfChange): Entry {
  return { index, term: 1, type: EntryType.ConfChange, data: new Uint8Array(), conf };
}
function normal(index: number): Entry {
  return { index, term: 1, type: EntryType.Normal, data: new Uint8Array([1]) };
}
const addN4 = (index: number): Entry => confEntry(index, { type: 'enterJoint', changes: [{ op: 'addVoter', id: 'n4' }] });
const leave = (index: number): Entry => confEntry(index, { type: 'leaveJoint' });
const joint4 = { voters: ['n1', 'n2', 'n3', 'n4'], votersOutgoing: ['n1', 'n2', 'n3'], learners: [], learnersNext: [] };
const four = simpleConf(['n1', 'n2', 'n3', 'n4']);

describe('MembershipLog', () => {
  test('the configuration in force is the base until a configuration entry is appended, then the latest one', () => {
    const m = new MembershipLog(base);
    expect(m.current()).toEqual(base);
    m.appended([normal(1), addN4(2), normal(3)]);
    expect(m.current()).toEqual(joint4);
    m.appended([leave(4)]); // each change applies to the one before it
    expect(m.current()).toEqual(four);
  });

  test('only configuration entries count: a normal entry carrying a conf field is ignored', () => {
    const m = new MembershipLog(base);
    m.appended([{ ...normal(1), conf: { type: 'enterJoint', changes: [{ op: 'addVoter', id: 'n9' }] } }]);
    expect(m.current()).toEqual(base);
  });

  test('at(index) is the configuration in force at that index, from the entry at exactly that index on', () => {
    const m = new MembershipLog(base);
    m.appended([addN4(3), leave(6)]);
    expect(m.at(2)).toEqual(base);
    expect(m.at(3)).toEqual(joint4);
    expect(m.at(5)).toEqual(joint4);
    expect(m.at(6)).toEqual(four);
    expect(m.at(100)).toEqual(four);
    m.at(6).voters.push('x'); // a copy: a snapshot's metadata cannot change the log
    expect(m.current()).toEqual(four);
  });

  test('an overwritten suffix takes its configurations with it, from exactly the first overwritten index', () => {
    const m = new MembershipLog(base);
    m.appended([addN4(3), leave(6)]);
    m.truncateFrom(7);
    expect(m.current()).toEqual(four);
    m.truncateFrom(6);
    expect(m.current()).toEqual(joint4);
    m.truncateFrom(1);
    expect(m.current()).toEqual(base);
  });

  test('compacting into a snapshot makes the configuration at that index the base and keeps the later ones', () => {
    const m = new MembershipLog(base);
    m.appended([addN4(3), leave(6)]);
    m.compact(4);
    expect(m.current()).toEqual(four);
    expect(m.at(4)).toEqual(joint4);
    m.truncateFrom(5); // the entry at 6 was after the snapshot: it can still be cut off
    expect(m.current()).toEqual(joint4);
  });

  test('a snapshot from the leader replaces everything; later edits of its object do not reach the log', () => {
    const m = new MembershipLog(base);
    m.appended([addN4(3)]);
    const fromLeader = simpleConf(['n7', 'n8', 'n9']);
    m.reset(fromLeader);
    fromLeader.voters.push('x');
    expect(m.current()).toEqual(simpleConf(['n7', 'n8', 'n9']));
    m.truncateFrom(1);
    expect(m.current()).toEqual(simpleConf(['n7', 'n8', 'n9']));
  });
});
