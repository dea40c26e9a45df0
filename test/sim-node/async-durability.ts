// ASYNC's promise, checked where it can be: an ASYNC write is acknowledged once the leader holds
// it durably (docs/architecture.md, deferred replication). Its outcome in the history stays
// unknown (a failover to a member that never had it may drop it), but on the leader's own disk
// it must be. When a leader loses power while it is still the leader of the term in which it
// acknowledged ASYNC writes, its WAL, read from its disk before it starts again, must hold each
// of those entries (or a snapshot past them). Sound under every fault the run injects: a leader
// never truncates its own log in its term (only a follower cuts a conflicting suffix, after a
// higher term), a compaction only drops entries a durable snapshot covers, and a member that
// restarts is never again leader of a term it led before. Acknowledgements answered by a
// follower that forwarded the write, or by a member that changed term or role since, are not
// checked.
import type { Entry } from '../../src/raft/index.js';
import { decodeCommand } from '../../src/state/commands.js';
import { Wal } from '../../src/wal/index.js';
import type { SimMember } from './member.js';

/** One ASYNC write a leader acknowledged: where its entry is in that leader's log. */
interface Acked {
  member: SimMember;
  incarnation: number;
  term: number;
  index: number;
  what: string;
}

/** How far back from its last entry a leader's log is searched for the acknowledged write. */
const SEARCH_ENTRIES = 2_000;
/** Acknowledgements kept per run at most (oldest dropped first: unchecked, never a false alarm). */
const MAX_TRACKED = 10_000;

/** ASYNC acknowledgements of one run, checked on the leader's disk when it loses power while leading. */
export class AsyncDurability {
  private tracked: Acked[] = [];
  /** Per member that lost power as a leader: the acknowledgements its disk must hold. */
  private readonly due = new Map<SimMember, Acked[]>();
  /** Entries checked on a disk after a power cut, for the run's summary. */
  checked = 0;

  constructor(
    private readonly members: readonly SimMember[],
    private readonly problems: string[],
  ) {}

  /** A client was told an ASYNC Put of `request` succeeded, in `response` (whose header names the member and its term). */
  acknowledged(request: object, response: object): void {
    const header = (response as { header?: { memberId?: string; raftTerm?: number } }).header;
    const id = (request as { id?: { clientId?: string; seq?: number } }).id;
    const m = this.members.find((x) => x.config.id === header?.memberId);
    const raft = m?.core?.raft;
    if (!m || !raft || !id || raft.role !== 'leader' || raft.term !== header?.raftTerm) return;
    const index = findRequest(raft.log, raft.term, id.clientId ?? '', id.seq ?? -1);
    if (index === null) return;
    if (this.tracked.length >= MAX_TRACKED) this.tracked.shift();
    this.tracked.push({ member: m, incarnation: m.incarnation, term: raft.term, index, what: `ASYNC Put ${id.clientId}#${id.seq}` });
  }

  /** `m` is losing power now (called before it goes down). */
  poweringOff(m: SimMember): void {
    const raft = m.core?.raft;
    const mine = this.tracked.filter((a) => a.member === m && a.incarnation === m.incarnation);
    this.tracked = this.tracked.filter((a) => a.member !== m);
    if (!raft || raft.role !== 'leader') return;
    const due = mine.filter((a) => a.term === raft.term);
    if (due.length > 0) this.due.set(m, due);
  }

  /** Before `m` starts again: its disk must hold what it acknowledged as leader before the cut. */
  async verify(m: SimMember): Promise<void> {
    const due = this.due.get(m);
    if (!due) return;
    this.due.delete(m);
    let wal: Wal;
    try {
      wal = await Wal.open(`/sim/${m.config.id}/wal`, { disk: m.disk.mount(), segmentBytes: m.config.segmentBytes ?? 256 * 1024 });
    } catch {
      return; // A WAL that refuses to open: the member's start reports it.
    }
    try {
      const state = await wal.recover();
      const byIndex = new Map<number, Entry>(state.entries.map((e) => [e.index, e]));
      for (const a of due) {
        this.checked++;
        if (a.index <= (state.snapshot?.index ?? 0)) continue;
        const e = byIndex.get(a.index);
        if (e?.term !== a.term) this.problems.push(`${m.config.id} acknowledged ${a.what} as leader of term ${a.term} (entry ${a.index}), lost power still leading that term, and its disk does not hold the entry`);
      }
    } finally {
      await wal.close();
    }
  }
}

/** The index of the entry of `term` carrying request `clientId`#`seq`, searched back from the log's end. */
function findRequest(log: { lastIndex(): number; firstIndex(): number; entryAt(i: number): Entry | undefined }, term: number, clientId: string, seq: number): number | null {
  const lo = Math.max(log.firstIndex(), log.lastIndex() - SEARCH_ENTRIES);
  for (let i = log.lastIndex(); i >= lo; i--) {
    const e = log.entryAt(i);
    if (!e || e.term < term) return null;
    if (e.term !== term || e.data.length === 0) continue;
    try {
      const req = decodeCommand(e.data).req;
      if (req?.clientId === clientId && req.seq === seq) return i;
    } catch {
      // Not a command (a configuration change): not the write.
    }
  }
  return null;
}
