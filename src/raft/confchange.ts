import { InvalidRequestError } from './errors.js';
import { isJoint } from './quorum.js';
import type { ConfChange, ConfState } from './types.js';

/** A configuration with no members (a brand-new node that waits to be told its cluster). */
export function emptyConf(): ConfState {
  return { voters: [], votersOutgoing: [], learners: [], learnersNext: [] };
}

/** A simple (non-joint) configuration of the given voters. */
export function simpleConf(voters: string[], learners: string[] = []): ConfState {
  return { voters: [...voters].sort(), votersOutgoing: [], learners: [...learners].sort(), learnersNext: [] };
}

export function cloneConf(c: ConfState): ConfState {
  return {
    voters: c.voters.slice(),
    votersOutgoing: c.votersOutgoing.slice(),
    learners: c.learners.slice(),
    learnersNext: c.learnersNext.slice(),
  };
}

/**
 * Checks a change against the current configuration; throws InvalidRequestError with the reason.
 * Rules (as etcd's confchange): no entering a joint state twice, no leaving when not joint, the
 * resulting configuration keeps at least one voter, and each node is named once.
 */
export function validateConfChange(conf: ConfState, cc: ConfChange): void {
  if (cc.type === 'bootstrap') throw new InvalidRequestError('a bootstrap configuration cannot be proposed');
  if (cc.type === 'leaveJoint') {
    if (!isJoint(conf)) throw new InvalidRequestError('not in a joint configuration');
    return;
  }
  if (isJoint(conf)) throw new InvalidRequestError('a membership change is already in progress (joint configuration)');
  if (cc.changes.length === 0) throw new InvalidRequestError('a membership change needs at least one change');
  const seen = new Set<string>();
  for (const ch of cc.changes) {
    if (!ch.id) throw new InvalidRequestError('a membership change names an empty node id');
    if (seen.has(ch.id)) throw new InvalidRequestError(`node ${ch.id} named twice in one change`);
    seen.add(ch.id);
  }
  if (applyConfChange(conf, cc).voters.length === 0) {
    throw new InvalidRequestError('a membership change may not remove every voter');
  }
}

/**
 * The configuration after `cc`. Entering joint copies the voters to `votersOutgoing` and edits
 * the incoming half; a voter demoted to learner waits in `learnersNext` until the joint state is
 * left (it must keep voting in the outgoing half until then).
 */
export function applyConfChange(conf: ConfState, cc: ConfChange): ConfState {
  if (cc.type === 'bootstrap') return simpleConf(cc.voters);
  if (cc.type === 'leaveJoint') {
    const learners = new Set([...conf.learners, ...conf.learnersNext]);
    for (const v of conf.voters) learners.delete(v);
    return simpleConf(conf.voters, [...learners]);
  }
  const voters = new Set(conf.voters);
  const learners = new Set(conf.learners);
  const learnersNext = new Set<string>();
  const outgoing = conf.voters.slice();
  for (const ch of cc.changes) {
    if (ch.op === 'addVoter') {
      voters.add(ch.id);
      learners.delete(ch.id);
    } else if (ch.op === 'addLearner') {
      voters.delete(ch.id);
      if (outgoing.includes(ch.id)) learnersNext.add(ch.id);
      else learners.add(ch.id);
    } else {
      voters.delete(ch.id);
      learners.delete(ch.id);
    }
  }
  return {
    voters: [...voters].sort(),
    votersOutgoing: outgoing.sort(),
    learners: [...learners].sort(),
    learnersNext: [...learnersNext].sort(),
  };
}
