// The periodic corruption check (serve --corruption-check-interval): every member, every interval,
// hashes its keyspace at its current revision and asks every other member for HashKV at the same
// revision. A member whose hash differs from what a strict majority of the answers agree on raises
// the CORRUPT alarm on itself: its /readyz turns not ready (clients and load balancers leave it),
// Status lists the alarm, the log names the members it disagrees with, and
// raftdb_hash_mismatch_total counts it. Each member judges itself, so the odd one knows without any
// message through the log. The alarm stays until the process restarts: a keyspace that differs
// does not heal by itself; replace the member's data (remove it, wipe, add it again).

/** One other member, as the check asks it. */
export interface HashPeer {
  id: string;
  /** HashKV at `revision` on that member (rejects when it cannot: not there yet, compacted, down). */
  hashKv(revision: number, timeoutMs: number): Promise<string>;
}

/** What the check needs of its node. */
export interface CorruptionCheckDeps {
  selfId: string;
  revision(): number;
  localHash(revision: number): Promise<string>;
  peers(): HashPeer[];
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** Called once per round in which this member's hash differed from the majority's. */
  onMismatch(): void;
}

/** The CORRUPT alarm of this member. */
export interface CorruptAlarm {
  revision: number;
  hash: string;
  majorityHash: string;
  /** Members that agree with each other and not with this one. */
  majority: string[];
  atMs: number;
}

/** One round's outcome. */
export interface CheckRound {
  revision: number;
  answers: Map<string, string>;
  /** 'ok': a majority agrees with this member; 'corrupt': it agrees against this member; 'inconclusive': no strict majority. */
  verdict: 'ok' | 'corrupt' | 'inconclusive';
}

/** Runs the check every `intervalMs`; `alarm` is set once this member is found to differ. */
export class CorruptionCheck {
  alarm: CorruptAlarm | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(private readonly deps: CorruptionCheckDeps) {}

  /** Starts the periodic check. */
  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.running ??= this.runOnce()
        .catch((err: Error) => this.deps.log.warn({ err: err.message }, 'corruption check could not run'))
        .finally(() => (this.running = null));
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops it (a round under way finishes). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One round now. */
  async runOnce(timeoutMs = 30_000): Promise<CheckRound> {
    const revision = this.deps.revision();
    const answers = new Map<string, string>([[this.deps.selfId, await this.deps.localHash(revision)]]);
    await Promise.all(
      this.deps.peers().map(async (p) => {
        const h = await p.hashKv(revision, timeoutMs).catch(() => null);
        if (h !== null) answers.set(p.id, h);
      }),
    );
    const counts = new Map<string, string[]>();
    for (const [id, h] of answers) counts.set(h, [...(counts.get(h) ?? []), id]);
    const [majorityHash, majority] = [...counts].sort((a, b) => b[1].length - a[1].length)[0]!;
    const mine = answers.get(this.deps.selfId)!;
    if (counts.size === 1) return { revision, answers, verdict: 'ok' };
    this.deps.log.warn({ revision, hashes: Object.fromEntries(answers) }, 'HashKV differs between members');
    if (majority.length * 2 <= answers.size) return { revision, answers, verdict: 'inconclusive' };
    if (majorityHash === mine) return { revision, answers, verdict: 'ok' };
    this.deps.onMismatch();
    this.alarm ??= { revision, hash: mine, majorityHash, majority, atMs: Date.now() };
    this.deps.log.error({ revision, hash: mine, majorityHash, majority }, `CORRUPT: this member's keyspace at revision ${revision} differs from ${majority.join(', ')}`);
    return { revision, answers, verdict: 'corrupt' };
  }

  /** The alarm as Status lists it, or null. */
  alarmText(): string | null {
    const a = this.alarm;
    return a ? `CORRUPT: HashKV at revision ${a.revision} differs from ${a.majority.join(', ')} (this member ${a.hash.slice(0, 16)}, theirs ${a.majorityHash.slice(0, 16)})` : null;
  }
}
