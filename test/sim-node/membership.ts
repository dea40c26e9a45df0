// Membership changes during a run, by the steps MemberAdd, MemberPromote and MemberRemove take on
// the leader (src/server/cluster-service.ts): the new member's address through the log, then the
// configuration change (joint consensus where it needs one). A member added starts only once its
// add is applied; a member removed exits when it applies the configuration without it (as
// `raftdb serve` does) and is never started again.
import type { Rng } from '../../src/common/rng.js';
import { encodeCommand } from '../../src/state/index.js';
import { MEMBERS_META } from '../../src/server/members.js';
import type { SimMember } from './member.js';

export class Membership {
  private added = false;
  /** Set once the add is applied: the spare member starts between two slices. */
  private startSpare = false;

  constructor(
    private readonly members: readonly SimMember[],
    private readonly spare: SimMember,
  ) {}

  /** Whether `m` is (or may still be, if down) in the cluster: founders not removed, the spare once added. */
  belongs(m: SimMember): boolean {
    if (m.removed) return false;
    return m !== this.spare || this.added;
  }

  /** One change on `leader`: add the spare as a learner, promote it, or remove a voter. */
  change(leader: SimMember, rng: Rng, trace: (line: string) => void): void {
    const core = leader.core!;
    const conf = core.raft.conf();
    const id = this.spare.config.id;
    const inConf = [...conf.voters, ...conf.votersOutgoing, ...conf.learners, ...conf.learnersNext].includes(id);
    if (!this.added && !this.startSpare && inConf) {
      // Its add was applied although the proposer was not told (leadership moved): start it.
      this.startSpare = true;
      return;
    }
    if (!this.added && !this.startSpare) {
      trace(`member add ${id} (learner) on ${leader.config.id}`);
      const book = encodeCommand({ type: 'setMeta', name: MEMBERS_META, value: core.members.withMember(id, `sim:${id}`) });
      // In an async function: a driver that has stopped (its disk failed) throws at once.
      void (async () => {
        await core.driver.propose(book).result;
        await core.driver.proposeConfChange([{ op: 'addLearner', id }]);
        this.startSpare = true;
      })().catch(() => trace(`member add ${id} did not finish`));
      return;
    }
    if (conf.learners.includes(id)) {
      trace(`member promote ${id} on ${leader.config.id}`);
      void (async () => core.driver.proposeConfChange([{ op: 'addVoter', id }]))().catch(() => trace(`member promote ${id} did not finish`));
      return;
    }
    // Never below three voters: a two-voter cluster tolerates no fault, which proves nothing new.
    if (conf.voters.length > 3 && conf.votersOutgoing.length === 0) {
      const victim = rng.pick(conf.voters);
      trace(`member remove ${victim} on ${leader.config.id}`);
      void (async () => core.driver.proposeConfChange([{ op: 'remove', id: victim }]))().catch(() => trace(`member remove ${victim} did not finish`));
    }
  }

  /** Between two slices: start the spare once added; removed members' processes exit. */
  async tend(trace: (line: string) => void): Promise<void> {
    if (this.startSpare && !this.added) {
      this.added = true;
      trace(`start ${this.spare.config.id} (joining)`);
      await this.spare.start();
    }
    for (const m of this.members) {
      if (m.removed && m.up) {
        trace(`${m.config.id} applied its removal and exits`);
        m.crash(false);
      }
    }
  }
}
