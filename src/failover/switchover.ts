import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { MonotonicClock, WallClock } from '../common/clock.js';
import { RequestError, Status } from '../common/errors.js';
import { sleepOn, type Timers } from '../common/timers.js';
import type { FailoverOptions } from './config.js';
import { INTENT_META, type FailoverReason, type SwitchoverIntent } from './history.js';
import type { FailoverDriver, PeerCaller, PeerStatus, RaftView } from './ports.js';
import { StateWaits } from './state-waits.js';

export type SwitchoverPhase = 'checking' | 'catching-up' | 'transferring' | 'done' | 'aborted';

/** A switchover as Status and the CLI show it. */
export interface SwitchoverState {
  id: string;
  state: SwitchoverPhase;
  from: string;
  to: string;
  reason: string;
  unavailableMs: number;
  startedAtMs: number;
  finishedAtMs: number;
}

export interface SwitchoverDeps {
  raft: RaftView;
  driver: Pick<FailoverDriver, 'appliedIndex' | 'transferLeadership'>;
  /** Holds new client requests; returns the function that lets them through. */
  holdRequests(): () => void;
  peers: PeerCaller;
  options: FailoverOptions;
  electionTimeoutMs: number;
  log: Logger;
  putMeta(name: string, value: unknown): Promise<void>;
  /** Runs before requests are held: e.g. records the current leader's own election first. */
  beforeHandover(): Promise<void>;
  onFinished(s: SwitchoverState, reason: FailoverReason): void;
  timers: Timers;
  /** Start and finish times (and the hold start the successor's history reads) are wall-clock times. */
  wallClock: WallClock;
  /** The hold's length is measured on the monotonic clock: a wall-clock step would distort it. */
  clock: MonotonicClock;
}

/** Why a node can or cannot take over; lag as the leader sees it. */
export interface CandidateCheck {
  id: string;
  ok: boolean;
  lagEntries: number;
  why: string;
  /** Not eligible because it did not answer. */
  unreachable?: boolean;
}

/** No voter may take over now; `checks` says why for each (FAILED_PRECONDITION). */
export class NoCandidateError extends RequestError {
  constructor(readonly checks: CandidateCheck[]) {
    super(Status.FAILED_PRECONDITION, `no eligible candidate: ${checks.map((c) => `${c.id} ${c.why}`).join('; ') || 'there is no other voter'}`);
  }

  /** Every other voter is unreachable (or there is none): a whole cluster stopping, say. */
  get nobodyReachable(): boolean {
    return this.checks.every((c) => c.unreachable);
  }
}


/**
 * Planned leadership transfer without client-visible errors: pre-check the candidate, hold new
 * requests, let in-flight ones finish, record the intent in the log, wait for the candidate to
 * hold the leader's whole log, send TimeoutNow, and release the held requests to the new leader.
 * Every wait is bounded and says which bound it hit; an unsuccessful transfer resumes here.
 */
export class Switchover {
  current: SwitchoverState | null = null;
  last: SwitchoverState | null = null;
  private readonly waits: StateWaits;

  constructor(private readonly deps: SwitchoverDeps) {
    this.waits = new StateWaits(deps.timers);
  }

  get busy(): boolean {
    return this.current !== null;
  }

  /** The node's state may have moved (a core input was handled, a batch was applied). */
  poke(): void {
    this.waits.poke();
  }

  /** Checks whether `id` may become leader now. */
  async check(id: string, maxLagEntries: number): Promise<CandidateCheck> {
    const { raft, peers } = this.deps;
    const bad = (why: string, lag = 0): CandidateCheck => ({ id, ok: false, lagEntries: lag, why });
    const conf = raft.conf();
    if (id === raft.id) return bad('is already the leader');
    if (conf.learners.includes(id)) return bad('is a learner');
    if (!conf.voters.includes(id)) return bad('is not a voting member');
    const lag = raft.log.lastIndex() - (raft.matchIndex(id) ?? 0);
    const address = peers.address(id);
    if (!address) return bad('has no known address', lag);
    let status: PeerStatus;
    try {
      status = await peers.status(address, new Date(this.deps.wallClock() + 500));
    } catch (err) {
      return { ...bad(`is unreachable (${(err as Error).message})`, lag), unreachable: true };
    }
    if (!status.priority) return bad('has priority 0', lag);
    if (lag > maxLagEntries) return bad(`lags by ${lag} entries (at most ${maxLagEntries})`, lag);
    return { id, ok: true, lagEntries: lag, why: 'eligible' };
  }

  /** Runs one switchover on the leader; throws FAILED_PRECONDITION with the reason when refused. */
  async run(req: { to?: string; expectedLeader?: string; maxLagEntries?: number; reason: FailoverReason }): Promise<SwitchoverState> {
    const { raft } = this.deps;
    if (this.current) throw new RequestError(Status.FAILED_PRECONDITION, `switchover ${this.current.id} is already ${this.current.state}`);
    if (req.expectedLeader && req.expectedLeader !== raft.id) {
      throw new RequestError(Status.FAILED_PRECONDITION, `the leader is ${raft.id}, not ${req.expectedLeader}`);
    }
    const state: SwitchoverState = { id: randomUUID().slice(0, 8), state: 'checking', from: raft.id, to: req.to ?? '', reason: req.reason, unavailableMs: 0, startedAtMs: this.deps.wallClock(), finishedAtMs: 0 };
    this.current = state;
    try {
      const target = await this.pickTarget(req.to, req.maxLagEntries || this.deps.options.maxLagEntries);
      state.to = target;
      return await this.transfer(state, target, req.reason);
    } catch (err) {
      state.state = 'aborted';
      state.finishedAtMs = this.deps.wallClock();
      // A node stopping while every other one is unreachable (a whole local cluster stopping at
      // once) has nobody to hand over to: its caller reports that, nothing went wrong here.
      const nobody = req.reason === 'step-down' && err instanceof NoCandidateError && err.nobodyReachable;
      if (!nobody) this.deps.log.warn({ switchover: state, err: (err as Error).message }, 'switchover aborted');
      throw err;
    } finally {
      this.last = state;
      this.current = null;
      this.deps.onFinished(state, req.reason);
    }
  }

  private async pickTarget(to: string | undefined, maxLag: number): Promise<string> {
    const raft = this.deps.raft;
    const ids = to ? [to] : raft.conf().voters.filter((v) => v !== raft.id);
    const checks = await Promise.all(ids.map((id) => this.check(id, maxLag)));
    const ok = checks.filter((c) => c.ok).sort((a, b) => a.lagEntries - b.lagEntries || a.id.localeCompare(b.id));
    if (ok.length === 0) throw new NoCandidateError(checks);
    return ok[0]!.id;
  }

  private async transfer(state: SwitchoverState, target: string, reason: FailoverReason): Promise<SwitchoverState> {
    const { raft, driver, options } = this.deps;
    const abort = (why: string): never => {
      const now = raft.role === 'leader' ? `${raft.id} keeps leading` : `the leader is now ${raft.leader ?? 'not yet known'}`;
      throw new RequestError(Status.ABORTED, `switchover to ${target} aborted: ${why}; ${now}`);
    };
    await this.deps.beforeHandover();
    state.state = 'catching-up';
    const release = this.deps.holdRequests();
    const heldAt = this.deps.wallClock();
    const heldAtMonotonicMs = this.deps.clock();
    try {
      const intent: SwitchoverIntent = { id: state.id, reason, from: raft.id, to: target, heldAtMs: heldAt };
      const logged = await Promise.race([this.deps.putMeta(INTENT_META, intent).then(() => true), sleepOn(this.deps.timers, options.catchUpTimeoutMs).then(() => false)]);
      if (!logged) abort(`the intent record did not commit within ${options.catchUpTimeoutMs} ms`);
      // In-flight writes finish here before the transfer, so none of them fails with it.
      const caughtUp = await this.waits.until(
        () => raft.role === 'leader' && driver.appliedIndex() >= raft.log.lastIndex() && (raft.matchIndex(target) ?? 0) >= raft.log.lastIndex(),
        options.catchUpTimeoutMs,
      );
      if (raft.role !== 'leader') abort('leadership was lost while catching up');
      if (!caughtUp) abort(`${target} did not catch up within ${options.catchUpTimeoutMs} ms (lag ${raft.log.lastIndex() - (raft.matchIndex(target) ?? 0)} entries)`);
      state.state = 'transferring';
      driver.transferLeadership(target);
      // The core gives the target one election timeout (in ticks) and then resumes; wait for
      // either outcome, with room for a slow tick loop on a busy machine.
      await this.waits.until(() => raft.role !== 'leader' || raft.leaderState?.transferTarget !== target, 2 * this.deps.electionTimeoutMs);
      const stepped = raft.role !== 'leader';
      if (!stepped) abort(`${target} did not win within ${this.deps.electionTimeoutMs} ms`);
      await this.waits.until(() => raft.leader !== null, this.deps.electionTimeoutMs);
      state.state = 'done';
      state.finishedAtMs = this.deps.wallClock();
      state.unavailableMs = Math.round(this.deps.clock() - heldAtMonotonicMs);
      this.deps.log.info({ switchover: state }, 'switchover done');
      return state;
    } catch (err) {
      // Anything else that went wrong mid-way (a proposal failing because an election overtook
      // the switchover) is reported as an abort with its reason, not as a request error.
      if (err instanceof RequestError && err.code === Status.ABORTED) throw err;
      return abort(`${(err as Error).message}${raft.role === 'leader' ? '' : ' (leadership moved by an election)'}`);
    } finally {
      release();
    }
  }
}
