// The configuration arithmetic of joint consensus on its own: what each change produces, which
// changes are refused and why, and that no input configuration is ever modified in place (the
// membership log keeps every configuration since the snapshot and shares them).
import { describe, expect, test } from 'vitest';
import { applyConfChange, cloneConf, emptyConf, simpleConf, validateConfChange } from '../../src/raft/confchange.js';
import { InvalidRequestError } from '../../src/raft/errors.js';
import type { ConfChange, ConfState } from '../../src/raft/types.js';

/** A configuration whose arrays throw if anything sorts or edits them in place. */
function frozen(c: ConfState): ConfState {
  return Object.freeze({
    voters: Object.freeze(c.voters.slice()) as string[],
    votersOutgoing: Object.freeze(c.votersOutgoing.slice()) as string[],
    learners: Object.freeze(c.learners.slice()) as string[],
    learnersNext: Object.freeze(c.learnersNext.slice()) as string[],
  });
}

const joint = (changes: ConfChange & { type: 'enterJoint' }): ConfChange => changes;

describe('configurations', () => {
  test('an empty configuration has no members of any kind', () => {
    expect(emptyConf()).toEqual({ voters: [], votersOutgoing: [], learners: [], learnersNext: [] });
  });

  test('a simple configuration lists its voters and learners sorted, and leaves the given lists alone', () => {
    const voters = ['n3', 'n1', 'n2'];
    const learners = ['n9', 'n4'];
    expect(simpleConf(voters, learners)).toEqual({ voters: ['n1', 'n2', 'n3'], votersOutgoing: [], learners: ['n4', 'n9'], learnersNext: [] });
    expect([voters, learners]).toEqual([['n3', 'n1', 'n2'], ['n9', 'n4']]);
  });

  test('a clone shares no array with its original', () => {
    const original: ConfState = { voters: ['n1'], votersOutgoing: ['n2'], learners: ['n3'], learnersNext: ['n4'] };
    const copy = cloneConf(original);
    copy.voters.push('x');
    copy.votersOutgoing.push('x');
    copy.learners.push('x');
    copy.learnersNext.push('x');
    expect(original).toEqual({ voters: ['n1'], votersOutgoing: ['n2'], learners: ['n3'], learnersNext: ['n4'] });
  });
});

describe('applyConfChange', () => {
  const three = frozen(simpleConf(['n1', 'n2', 'n3'], ['n4']));

  test('entering joint keeps the old voters as the outgoing half and edits the incoming half, sorted', () => {
    const next = applyConfChange(three, joint({ type: 'enterJoint', changes: [{ op: 'addVoter', id: 'n5' }, { op: 'addVoter', id: 'n4' }, { op: 'remove', id: 'n1' }] }));
    expect(next).toEqual({ voters: ['n2', 'n3', 'n4', 'n5'], votersOutgoing: ['n1', 'n2', 'n3'], learners: [], learnersNext: [] });
  });

  test('a voter demoted to learner waits in learnersNext (it still votes in the outgoing half); a new node becomes a learner at once', () => {
    const next = applyConfChange(three, joint({ type: 'enterJoint', changes: [{ op: 'addLearner', id: 'n3' }, { op: 'addLearner', id: 'n6' }, { op: 'addLearner', id: 'n0' }] }));
    expect(next).toEqual({ voters: ['n1', 'n2'], votersOutgoing: ['n1', 'n2', 'n3'], learners: ['n0', 'n4', 'n6'], learnersNext: ['n3'] });
    const twoDemoted = applyConfChange(three, joint({ type: 'enterJoint', changes: [{ op: 'addLearner', id: 'n3' }, { op: 'addLearner', id: 'n2' }] }));
    expect(twoDemoted.learnersNext).toEqual(['n2', 'n3']);
    // Leaving joint makes the demoted voter a learner and drops the outgoing half.
    expect(applyConfChange(frozen(next), { type: 'leaveJoint' })).toEqual({ voters: ['n1', 'n2'], votersOutgoing: [], learners: ['n0', 'n3', 'n4', 'n6'], learnersNext: [] });
  });

  test('leaving joint never lists a voter as a learner too', () => {
    // A learner promoted in the same change is a voter of C_new, not a learner.
    const inJoint = frozen({ voters: ['n1', 'n4'], votersOutgoing: ['n1', 'n2'], learners: ['n4'], learnersNext: ['n2'] });
    expect(applyConfChange(inJoint, { type: 'leaveJoint' })).toEqual({ voters: ['n1', 'n4'], votersOutgoing: [], learners: ['n2'], learnersNext: [] });
  });

  test('removing a node drops it whether it was a voter or a learner', () => {
    const next = applyConfChange(three, joint({ type: 'enterJoint', changes: [{ op: 'remove', id: 'n4' }, { op: 'remove', id: 'n2' }] }));
    expect(next).toEqual({ voters: ['n1', 'n3'], votersOutgoing: ['n1', 'n2', 'n3'], learners: [], learnersNext: [] });
  });

  test('lists given out of order (a configuration from elsewhere) still come out sorted', () => {
    const unsorted = frozen({ voters: ['n3', 'n1', 'n2'], votersOutgoing: [], learners: [], learnersNext: [] });
    const next = applyConfChange(unsorted, joint({ type: 'enterJoint', changes: [{ op: 'addVoter', id: 'n0' }] }));
    expect(next.votersOutgoing).toEqual(['n1', 'n2', 'n3']);
    expect(next.voters).toEqual(['n0', 'n1', 'n2', 'n3']);
  });

  test('a bootstrap configuration is the simple configuration of its voters', () => {
    expect(applyConfChange(frozen(emptyConf()), { type: 'bootstrap', voters: ['n2', 'n1'] })).toEqual(simpleConf(['n1', 'n2']));
  });
});

describe('validateConfChange refuses, naming the reason', () => {
  const three = frozen(simpleConf(['n1', 'n2', 'n3']));
  const inJoint = frozen(applyConfChange(three, joint({ type: 'enterJoint', changes: [{ op: 'addVoter', id: 'n4' }] })));

  const refusals: Array<[string, ConfState, ConfChange, RegExp]> = [
    ['a proposed bootstrap', three, { type: 'bootstrap', voters: ['n1'] }, /bootstrap configuration cannot be proposed/],
    ['leaving joint when not joint', three, { type: 'leaveJoint' }, /not in a joint configuration/],
    ['a second change while joint', inJoint, { type: 'enterJoint', changes: [{ op: 'addVoter', id: 'n5' }] }, /already in progress/],
    ['a change with no changes', three, { type: 'enterJoint', changes: [] }, /at least one change/],
    ['an empty node id', three, { type: 'enterJoint', changes: [{ op: 'addVoter', id: '' }] }, /empty node id/],
    ['a node named twice', three, { type: 'enterJoint', changes: [{ op: 'addVoter', id: 'n5' }, { op: 'remove', id: 'n5' }] }, /node n5 named twice/],
    ['removing every voter', three, { type: 'enterJoint', changes: [{ op: 'remove', id: 'n1' }, { op: 'remove', id: 'n2' }, { op: 'addLearner', id: 'n3' }] }, /may not remove every voter/],
  ];
  for (const [what, conf, cc, reason] of refusals) {
    test(what, () => {
      expect(() => validateConfChange(conf, cc)).toThrow(InvalidRequestError);
      expect(() => validateConfChange(conf, cc)).toThrow(reason);
    });
  }

  test('and accepts leaving a joint configuration, or one change of several nodes that keeps a voter', () => {
    expect(() => validateConfChange(inJoint, { type: 'leaveJoint' })).not.toThrow();
    expect(() => validateConfChange(three, { type: 'enterJoint', changes: [{ op: 'remove', id: 'n1' }, { op: 'remove', id: 'n2' }, { op: 'addLearner', id: 'n5' }] })).not.toThrow();
  });
});
