// The periodic corruption check (serve --corruption-check-interval): every member, every interval,
// hashes its keyspace at its current revision and asks every other member for HashKV at the same
// revision. A member whose hash differs from what a strict majority of the answers agree on raises
// the CORRUPT alarm on itself, through the log like NOSPACE (src/state/alarms.ts): every member
// lists it (AlarmList, Status, raftdb_alarm_active{alarm="CORRUPT"}), and the odd member's
// /readyz turns not ready (clients and load balancers leave it); its log names the members it
// disagrees with, and raftdb_hash_mismatch_total counts it. Each member judges itself, so the odd
// one is not ready at once, before the alarm is through the log. The alarm stays, across
// restarts, until an operator disarms it (raftdb alarm disarm --alarm CORRUPT): a keyspace that
// differs does not heal by itself; replace the member's data (remove it, wipe, add it again). A
// member that still differs after a disarm raises it again at the next round.

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
  /** Whether this member's CORRUPT alarm is active in the replicated alarm table. */
  raised(): boolean;
  /** Raises this member's CORRUPT alarm through the log. */
  raise(): Promise<void>;
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
  /** This member's finding, kept until an operator disarms the alarm it raised. */
  alarm: CorruptAlarm | null = null;
  /** Whether the alarm table was seen holding `alarm` (so its absence later means a disarm). */
  private seenRaised = false;
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
    // HashKV's revision 0 means "now" on each member, which differs from member to member: a
    // member that has applied nothing yet would find the others "different" (seen in CI).
    if (revision === 0) return { revision, answers: new Map(), verdict: 'inconclusive' };
    const answers = new Map<string, string>([[this.deps.selfId, await this.deps.localHash(revision)]]);
    const peers = this.deps.peers();
    const refusals = new Map<string, string>();
    await Promise.all(
      peers.map(async (p) => {
        const h = await p.hashKv(revision, timeoutMs).catch((err: Error) => (refusals.set(p.id, err.message), null));
        if (h !== null) answers.set(p.id, h);
      }),
    );
    if (peers.length > 0 && answers.size === 1) {
      // Nobody to compare with: all down, or all refusing (auth on without peer TLS, say).
      this.deps.log.warn({ revision, errors: Object.fromEntries(refusals) }, 'corruption check: no other member answered HashKV');
      return { revision, answers, verdict: 'inconclusive' };
    }
    const counts = new Map<string, string[]>();
    for (const [id, h] of answers) counts.set(h, [...(counts.get(h) ?? []), id]);
    const [majorityHash, majority] = [...counts].sort((a, b) => b[1].length - a[1].length)[0]!;
    const mine = answers.get(this.deps.selfId)!;
    if (counts.size === 1) return { revision, answers, verdict: 'ok' };
    this.deps.log.warn({ revision, hashes: Object.fromEntries(answers) }, 'HashKV differs between members');
    if (majority.length * 2 <= answers.size) return { revision, answers, verdict: 'inconclusive' };
    if (majorityHash === mine) return { revision, answers, verdict: 'ok' };
    this.deps.onMismatch();
    this.refresh();
    this.alarm ??= { revision, hash: mine, majorityHash, majority, atMs: Date.now() };
    this.deps.log.error({ revision, hash: mine, majorityHash, majority }, `CORRUPT: this member's keyspace at revision ${revision} differs from ${majority.join(', ')}`);
    if (!this.deps.raised()) {
      // Not through the log yet (or disarmed while still different): raise it; a failure is
      // retried at the next round, and this member is not ready meanwhile all the same.
      await this.deps.raise().catch((err: Error) => this.deps.log.warn({ err: err.message }, 'CORRUPT alarm not raised through the log yet'));
    }
    return { revision, answers, verdict: 'corrupt' };
  }

  /** This member's finding as Status and /readyz show it, or null (none, or disarmed since). */
  detail(): string | null {
    this.refresh();
    const a = this.alarm;
    return a ? `CORRUPT: HashKV at revision ${a.revision} differs from ${a.majority.join(', ')} (this member ${a.hash.slice(0, 16)}, theirs ${a.majorityHash.slice(0, 16)})` : null;
  }

  /** Forgets the finding once its alarm, after being seen in the table, was disarmed. */
  private refresh(): void {
    if (!this.alarm) return;
    if (this.deps.raised()) this.seenRaised = true;
    else if (this.seenRaised) {
      this.alarm = null;
      this.seenRaised = false;
    }
  }
}

/**
 * Why this member is not ready because of corruption, or null: its own check's finding, or its
 * CORRUPT alarm in the replicated table (raised before a restart, or by an operator).
 */
export function corruptReadiness(alarms: readonly { memberId: string; alarm: string }[], selfId: string, check: CorruptionCheck | null): string | null {
  const detail = check?.detail() ?? null;
  if (detail) return detail;
  return alarms.some((a) => a.memberId === selfId && a.alarm === 'CORRUPT') ? `CORRUPT alarm of ${selfId} is active (raftdb alarm list); replace its data, then raftdb alarm disarm --alarm CORRUPT` : null;
}
