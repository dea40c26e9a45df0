// Named faults (Jepsen's "nemeses"), each an inject that returns its own heal, and the scheduler
// that runs them during a drill: one named scenario repeated, a list in turn, or a seeded random
// schedule. Faults never overlap: inject, hold, heal, then a quiet interval for recovery, so
// each one's unavailability can be measured on its own.
import { connect, type RaftdbClient } from '../client/index.js';
import { accessOptions } from './security.js';
import { type DrillCluster, sleep, waitFor } from './backend.js';
import type { ClusterProbe } from './probe.js';
import { Rng } from '../common/rng.js';

export const NEMESES = [
  'kill-leader',
  'kill-random',
  'pause-leader',
  'isolate-leader',
  'majority-minority',
  'bridge',
  'one-way',
  'netem',
  'restart-all',
  'membership',
] as const;

export type NemesisName = (typeof NEMESES)[number];

/** What nemeses act through. */
export interface NemesisContext {
  cluster: DrillCluster;
  probe: ClusterProbe;
  rng: Rng;
}

/** An injected fault: what was done, and how to undo it. */
export interface ActiveFault {
  detail: string;
  heal(): Promise<void>;
}

type Inject = (ctx: NemesisContext) => Promise<ActiveFault>;

const LEADER_WAIT_MS = 10_000;
const MEMBERSHIP_TIMEOUT_MS = 20_000;
const NETEM = { delayMs: 40, jitterMs: 20, lossPercent: 5 };

/** The current leader's id; waits (bounded) through an election in progress. */
async function leaderOf(ctx: NemesisContext): Promise<string> {
  const now = await ctx.probe.leader(ctx.cluster.endpoints());
  return now?.id ?? (await ctx.probe.stableLeader(ctx.cluster.endpoints(), LEADER_WAIT_MS)).id;
}

/** The nodes in a random order with the leader first (the shapes put it on the interesting side). */
async function leaderFirst(ctx: NemesisContext): Promise<string[]> {
  const leader = await leaderOf(ctx);
  return [leader, ...ctx.rng.shuffle(ctx.cluster.nodes().filter((n) => n !== leader))];
}

const noHeal = async (): Promise<void> => undefined;

async function kill(ctx: NemesisContext, id: string, what: string): Promise<ActiveFault> {
  await ctx.cluster.kill(id);
  return { detail: `killed ${what} ${id}`, heal: () => ctx.cluster.restart(id) };
}

const INJECT: Record<NemesisName, Inject> = {
  'kill-leader': async (ctx) => kill(ctx, await leaderOf(ctx), 'leader'),
  'kill-random': async (ctx) => kill(ctx, ctx.rng.pick(ctx.cluster.nodes()), 'node'),
  'pause-leader': async (ctx) => {
    const id = await leaderOf(ctx);
    await ctx.cluster.pause(id);
    return { detail: `paused leader ${id}`, heal: () => ctx.cluster.resume(id) };
  },
  'isolate-leader': async (ctx) => {
    const id = await leaderOf(ctx);
    await ctx.cluster.isolate(id);
    return { detail: `isolated leader ${id}`, heal: () => ctx.cluster.heal() };
  },
  'majority-minority': async (ctx) => {
    const order = await leaderFirst(ctx);
    const minority = order.slice(0, Math.floor(order.length / 2));
    const majority = order.slice(minority.length);
    await ctx.cluster.partition(minority, majority);
    return { detail: `${minority.join(',')} (old leader side) | ${majority.join(',')}`, heal: () => ctx.cluster.heal() };
  },
  bridge: async (ctx) => {
    const order = await leaderFirst(ctx);
    const half = Math.floor((order.length - 1) / 2);
    const [left, bridge, right] = [order.slice(0, half), order[half]!, order.slice(half + 1)];
    await ctx.cluster.partition(left, right);
    return { detail: `${left.join(',')} | ${right.join(',')} bridged by ${bridge}`, heal: () => ctx.cluster.heal() };
  },
  'one-way': async (ctx) => {
    const [leader, ...others] = await leaderFirst(ctx);
    for (const o of others) await ctx.cluster.oneWay(leader!, o);
    return { detail: `leader ${leader} cannot send to ${others.join(',')} (hears them)`, heal: () => ctx.cluster.heal() };
  },
  netem: async (ctx) => {
    const { cluster } = ctx;
    if (!cluster.netem) throw new Error(`the ${cluster.kind} backend has no netem`);
    let applied = '';
    for (const id of cluster.nodes()) applied = await cluster.netem(id, NETEM);
    return { detail: `every node: ${applied}`, heal: () => cluster.heal() };
  },
  'restart-all': async (ctx) => {
    const ids = ctx.cluster.nodes();
    await Promise.all(ids.map((id) => ctx.cluster.kill(id)));
    return { detail: `all ${ids.length} nodes killed, then restarted`, heal: async () => void (await Promise.all(ids.map((id) => ctx.cluster.restart(id)))) };
  },
  membership: replaceLeader,
};

/** Injects the named fault. */
export function inject(name: NemesisName, ctx: NemesisContext): Promise<ActiveFault> {
  return INJECT[name](ctx);
}

/** True when the backend can run this nemesis. */
export function supported(name: NemesisName, cluster: DrillCluster): boolean {
  if (name === 'membership') return cluster.addNode !== undefined && cluster.removeNode !== undefined;
  if (name === 'netem') return cluster.netem !== undefined;
  return true;
}

/**
 * Membership churn that ends where it started in size: a new node joins as a learner, is
 * promoted once caught up, and then the leader is removed (the "replace the leader" runbook).
 */
async function replaceLeader(ctx: NemesisContext): Promise<ActiveFault> {
  const { cluster } = ctx;
  // Membership changes need root: the root client certificate on a cluster with auth on.
  const admin = connect({ endpoints: cluster.endpoints(), addressMap: cluster.addressMap, timeoutMs: 10_000, ...accessOptions(cluster.access, 'admin') });
  try {
    const added = await cluster.addNode!();
    await admin.cluster.memberAdd({ id: added, address: cluster.peerAddress(added), learner: true });
    await retry(`promote ${added}`, () => admin.cluster.memberPromote(added));
    const leader = await leaderOf(ctx);
    // The old leader may step down before it can answer: the membership list is the truth, and
    // a removal that did not happen (a timeout, a redirect) is asked for again.
    await retry(`remove leader ${leader}`, async () => {
      const error = await admin.cluster.memberRemove(leader).then(() => null, (e: Error) => e);
      const removed = await waitFor(`${leader} removed`, 3000, async () => !(await membersOf(admin, leader)).includes(leader), 200).then(() => true, () => false);
      if (!removed) throw error ?? new Error(`${leader} still a member after MemberRemove returned`);
    });
    await cluster.removeNode!(leader);
    return { detail: `added ${added}, removed leader ${leader}`, heal: noHeal };
  } finally {
    admin.close();
  }
}

/** The member ids, or the leader's id when they cannot be had (so nobody counts as removed). */
async function membersOf(admin: RaftdbClient, leader: string): Promise<string[]> {
  return admin.cluster.memberList({ timeoutMs: 2000 }).then((r) => r.members.map((m) => m.id), () => [leader]);
}

async function retry<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + MEMBERSHIP_TIMEOUT_MS;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() >= deadline) throw new Error(`${what}: ${(err as Error).message}`);
      await sleep(300);
    }
  }
}

/** One fault of a drill, as the report shows it. Times are on the history's clock. */
export interface FaultRecord {
  nemesis: NemesisName;
  detail: string;
  /** When injecting began (finding the leader, adding a node, ...). */
  startedNs: number;
  /** When the fault was in force (null when injecting failed). */
  injectedNs: number | null;
  healedNs: number | null;
  error?: string;
}

/** When to inject what. */
export interface ScheduleOptions {
  /**
   * A nemesis name, a comma-separated list, 'all' (every nemesis), 'random' (seeded picks) or
   * 'none'. A list runs through at least once, even past `durationMs`, then again while time remains.
   */
  scenario: string;
  seed: number;
  durationMs: number;
  /** How long a fault is held, [min, max] ms (default [3000, 5000]). */
  faultMs?: [number, number];
  /** Quiet time after each heal, [min, max] ms (default [2000, 4000]). */
  quietMs?: [number, number];
  /** Quiet time before the first fault (default 2000). */
  warmupMs?: number;
}

/** The nemesis list a scenario names; throws on an unknown name. */
export function parseScenario(scenario: string): NemesisName[] | 'random' | 'none' {
  if (scenario === 'random' || scenario === 'none') return scenario;
  if (scenario === 'all') return [...NEMESES];
  const names = scenario.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (!(NEMESES as readonly string[]).includes(n)) throw new Error(`unknown nemesis "${n}" (known: ${NEMESES.join(', ')}, or all, random, none)`);
  }
  if (names.length === 0) throw new Error('empty scenario');
  return names as NemesisName[];
}

/**
 * Runs the schedule for `durationMs`: faults in turn (or random, seeded), each held, healed and
 * followed by a quiet interval. A fault that fails to inject or heal is recorded with its error
 * and the drill goes on; the last fault is always healed before returning.
 */
export async function runSchedule(cluster: Omit<NemesisContext, 'rng'>, opts: ScheduleOptions, clockNs: () => number, log: (line: string) => void): Promise<FaultRecord[]> {
  const plan = parseScenario(opts.scenario);
  const rng = new Rng(opts.seed);
  const ctx: NemesisContext = { ...cluster, rng };
  const [faultMin, faultMax] = opts.faultMs ?? [3000, 5000];
  const [quietMin, quietMax] = opts.quietMs ?? [2000, 4000];
  const endMs = Date.now() + opts.durationMs;
  const records: FaultRecord[] = [];
  await sleep(Math.min(opts.warmupMs ?? 2000, opts.durationMs));
  if (plan === 'none') return (await sleep(Math.max(0, endMs - Date.now())), records);
  const pool = plan === 'random' ? NEMESES.filter((n) => supported(n, ctx.cluster)) : plan;
  const unsupported = pool.filter((n) => !supported(n, ctx.cluster));
  if (unsupported.length > 0) throw new Error(`the ${ctx.cluster.kind} backend cannot run ${unsupported.join(', ')}`);
  // A list runs through once whatever the duration, then goes round while time remains.
  const firstPass = plan === 'random' ? 1 : pool.length;
  for (let i = 0; pool.length > 0 && (i < firstPass || Date.now() + faultMin <= endMs); i++) {
    const name = plan === 'random' ? rng.pick(pool) : pool[i % pool.length]!;
    const record: FaultRecord = { nemesis: name, detail: '', startedNs: clockNs(), injectedNs: null, healedNs: null };
    records.push(record);
    let fault: ActiveFault | null = null;
    try {
      fault = await inject(name, ctx);
      record.injectedNs = clockNs();
      record.detail = fault.detail;
      log(`inject ${name}: ${fault.detail}`);
      await sleep(rng.int(faultMin, faultMax));
    } catch (err) {
      record.error = `inject: ${(err as Error).message}`;
      log(`inject ${name} failed: ${record.error}`);
    }
    try {
      await (fault?.heal() ?? ctx.cluster.heal());
      record.healedNs = clockNs();
      log(`heal ${name}`);
    } catch (err) {
      record.error = `${record.error ? `${record.error}; ` : ''}heal: ${(err as Error).message}`;
      log(`heal ${name} failed: ${(err as Error).message}`);
    }
    // Always some quiet after a heal, so the last fault's recovery is measured too.
    await sleep(rng.int(quietMin, quietMax));
  }
  return records;
}
