// Simulated watchers: each follows every change of the keyspace through the real watch feed
// (src/server/watch-feed.ts, what the gRPC Watch stream runs) on a member it picks, and when
// that member goes away resumes on another from the last revision it has completely, skipping by
// (revision, index) what it already has of the next one, as the TypeScript client does. At the
// end each watcher's changes must be exactly the cluster's, from where it started: each change
// once, in revision order, none missing. A member that installed a snapshot has no history before
// it: a watcher resuming there from an older revision gets CompactedError, which the client does
// not retry (src/client/watch.ts): that watch ends with what it had (still checked), and a new
// one starts from the current revision, as an application would after re-reading.
import type { Rng } from '../../src/common/rng.js';
import { WatchFeed } from '../../src/server/watch-feed.js';
import { CompactedError, type WatchEvent } from '../../src/state/index.js';
import type { SimMember } from './member.js';

/** One change as a watcher and the check compare it. */
interface Change {
  revision: number;
  index: number;
  text: string;
}

const PREFIX = Buffer.from('k');

/** What a WatchEvent says, in one comparable line. */
function describe(e: WatchEvent): Change {
  const key = Buffer.from(e.kv.key).toString();
  return { revision: e.kv.modRevision, index: e.index, text: `${e.type} ${key}=${e.type === 'put' ? Buffer.from(e.kv.value).toString() : ''}` };
}

class SimWatcher {
  readonly changes: Change[] = [];
  /** The first revision it asked for. */
  startRevision = 0;
  private feed: { member: SimMember; incarnation: number; feed: WatchFeed } | null = null;
  resumes = 0;
  /** Ended by a compacted history where it resumed: it is not resumed again. */
  compacted = false;

  constructor(readonly name: string) {}

  /** The last revision every change of which it has (what a resume starts after). */
  private complete = 0;

  /** Follows the changes on `member` from where it stands. */
  attach(member: SimMember): void {
    const core = member.core;
    if (!core) return;
    const incarnation = member.incarnation;
    if (this.startRevision === 0) {
      this.startRevision = core.sm.revision() + 1;
      this.complete = this.startRevision - 1;
    }
    // A resume starts at the first revision it does not have completely: what it has of that
    // one comes again and is skipped by index, as the client does. Any other repeat is kept (and
    // fails the check).
    const resumeRevision = this.complete + 1;
    let seenOfResume = -1;
    for (const c of this.changes) if (c.revision === resumeRevision) seenOfResume = Math.max(seenOfResume, c.index);
    const feed = new WatchFeed(
      core.sm,
      {
        write: (event, lastOfRevision, taken) => {
          taken();
          if (member.incarnation !== incarnation || this.feed?.feed !== feed) return;
          const c = describe(event);
          if (c.revision === resumeRevision && c.index <= seenOfResume) return;
          this.changes.push(c);
          if (lastOfRevision) this.complete = c.revision;
        },
        fail: (err) => {
          if (this.feed?.feed !== feed) return;
          this.feed = null;
          if (err instanceof CompactedError) this.compacted = true;
        },
      },
      { matches: (key) => Buffer.from(key).subarray(0, PREFIX.length).equals(PREFIX), prefix: PREFIX, startRevision: resumeRevision },
      { maxBacklogBytes: 64 * 1024 * 1024 },
    );
    this.feed = { member, incarnation, feed };
    void feed.start();
  }

  /** Whether its feed is gone (its member crashed or restarted, or the feed ended). */
  get detached(): boolean {
    return this.feed === null || !this.feed.member.core || this.feed.member.incarnation !== this.feed.incarnation;
  }

  close(): void {
    this.feed?.feed.close();
    this.feed = null;
  }
}

/** The watchers of one run. */
export class Watchers {
  private readonly list: SimWatcher[] = [];
  /** Watchers that ended on a compacted history (checked like the others). */
  private readonly ended: SimWatcher[] = [];

  constructor(
    private readonly rng: Rng,
    private readonly members: readonly SimMember[],
    count: number,
  ) {
    for (let i = 0; i < count; i++) this.list.push(new SimWatcher(`w${i}`));
  }

  /** Attaches every watcher whose feed is gone to a running member (called between two slices). */
  tend(): void {
    const up = this.members.filter((m) => m.up);
    if (up.length === 0) return;
    for (const [i, old] of this.list.entries()) {
      if (!old.compacted) continue;
      this.ended.push(old);
      this.list[i] = new SimWatcher(`${old.name}.${this.ended.length}`);
    }
    for (const w of this.list) {
      if (!w.detached) continue;
      w.close();
      if (w.startRevision !== 0) w.resumes++;
      w.attach(this.rng.pick(up));
    }
  }

  /**
   * Each watcher's changes against the cluster's history of the keyspace, read from `leader` (or
   * a member that has applied as far as the watcher saw, if the leader has not) or, where a
   * snapshot install or a power cut cut its history short, from the member with the longest history:
   * the same changes, in the same order, from the watcher's start to its last. Only revisions
   * that every member that has applied as far compacted away are not compared (a power cut can
   * restart a member's history after its revision: history-log.ts), and, where the member compared
   * with has not applied as far as the watcher saw, the revisions past its own: its history cannot
   * hold them yet, which says nothing of the cluster (seed 61173: a follower whose snapshot
   * install a power cut undid waits out the leader's SNAPSHOT_ANSWER_GRACE_MS at revision 49
   * while the others, whose histories start after the watcher's last revision, are at 130).
   */
  async check(leader: SimMember, problems: string[]): Promise<void> {
    const sources = [leader, ...this.members.filter((m) => m !== leader && m.up)];
    for (const w of [...this.ended, ...this.list]) {
      w.close();
      if (w.startRevision === 0 || w.changes.length === 0) continue;
      const through = w.changes[w.changes.length - 1]!.revision;
      // A member whose state is not yet at `through` cannot hold those changes (a leader just
      // elected may still be applying): only the ones that are serve, the leader first; if none
      // is, any member does.
      const reached = (m: SimMember): boolean => (m.core?.sm.revision() ?? 0) >= through;
      const history = (await clusterHistory(sources.filter(reached), w.startRevision, through)) ?? (await clusterHistory(sources, w.startRevision, through));
      if (!history) continue;
      const got = w.changes.filter((c) => c.revision >= history.from && c.revision <= history.through);
      const want = history.changes;
      const n = Math.max(want.length, got.length);
      for (let i = 0; i < n; i++) {
        const a = got[i];
        const b = want[i];
        if (!a || !b || a.revision !== b.revision || a.index !== b.index || a.text !== b.text) {
          const show = (c: Change | undefined): string => (c ? `${c.revision}.${c.index} ${c.text}` : 'nothing');
          const core = history.member.core!;
          problems.push(`watcher ${w.name} (from revision ${w.startRevision}, ${w.resumes} resumes${w.compacted ? ', ended compacted' : ''}): change ${i} from revision ${history.from} is ${show(a)}, the cluster's is ${show(b)} (${history.member.config.id} at revision ${core.sm.revision()}, applied ${core.sm.appliedIndex()} of ${core.raft.log.committed} committed)`);
          break;
        }
      }
    }
  }
}

/**
 * The changes of revisions `from`..`through` from the first member whose history holds them all,
 * or else from the one whose history starts earliest (and from there); null if none has any. A
 * member that has not applied as far as `through` gives them up to its revision (the result's
 * `through`): what it has not applied yet is no change of its. One that has not applied `from` has none.
 */
async function clusterHistory(sources: readonly SimMember[], from: number, through: number): Promise<{ member: SimMember; from: number; through: number; changes: Change[] } | null> {
  let best: { member: SimMember; oldest: number; through: number } | null = null;
  for (const member of sources) {
    const core = member.core;
    if (!core) continue;
    const upTo = Math.min(through, core.sm.revision());
    if (upTo < from) continue;
    try {
      return { member, from, through: upTo, changes: await changesOf(member, from, upTo) };
    } catch (err) {
      if (!(err instanceof CompactedError)) throw err;
      if (!best || err.oldestRevision < best.oldest) best = { member, oldest: err.oldestRevision, through: upTo };
    }
  }
  if (!best || best.oldest > best.through) return null;
  return { member: best.member, from: best.oldest, through: best.through, changes: await changesOf(best.member, best.oldest, best.through) };
}

/** A member's history of the keyspace, revisions `from`..`through`; CompactedError if it has none from `from`. */
async function changesOf(member: SimMember, from: number, through: number): Promise<Change[]> {
  const sm = member.core!.sm;
  const want: Change[] = [];
  for (let at = from; at <= through; ) {
    const page = await sm.changesSince(at, PREFIX, 1000);
    for (const e of page.events) if (e.kv.modRevision <= through) want.push(describe(e));
    if (page.nextRevision <= at) break;
    at = page.nextRevision;
  }
  return want;
}
