// What a drill needs from a cluster: where to send client traffic, and the nemesis primitives.
// Two implementations: node processes on 127.0.0.1 with an in-process link proxy
// (process-backend.ts) and Docker containers with iptables/tc in their network namespaces
// (docker-backend.ts). Both cut peer traffic only: clients keep reaching every node, as in
// Jepsen, so an isolated leader is still asked (and must refuse, or answer correctly).
import type { ClientAccess } from './security.js';

/** A cluster a drill can break and mend. Node ids are 'n1'..'nN' (plus nodes added later). */
export interface DrillCluster {
  /** Which backend this is, for the report. */
  readonly kind: 'process' | 'docker';
  /** How clients reach it when it runs with TLS and auth (security.ts); null: plaintext, auth off. */
  readonly access: ClientAccess | null;
  /** Ids of the current members' nodes (added nodes included, removed ones not). */
  nodes(): string[];
  /** Client endpoints ('127.0.0.1:PORT') of nodes(), in the same order. */
  endpoints(): string[];
  /** The client endpoint of one node. */
  endpoint(id: string): string;
  /** The address peers reach `id` at (what MemberAdd records). */
  peerAddress(id: string): string;
  /**
   * Peer address -> client endpoint of every node ever started, kept up to date as nodes are
   * added; pass it to connect({ addressMap }) so leader hints lead somewhere reachable.
   */
  readonly addressMap: ReadonlyMap<string, string>;
  /** Crash: SIGKILL, the node loses whatever it had not fsynced. No-op when already down. */
  kill(id: string): Promise<void>;
  /** Starts a killed node again on its data; waits until it answers (not for a leader). */
  restart(id: string): Promise<void>;
  /** Freezes the node (SIGSTOP / cgroup freezer): alive, sockets open, silent. */
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  /** Cuts `id` from every peer, both ways. Faults add up until heal(). */
  isolate(id: string): Promise<void>;
  /** No peer traffic crosses between the groups, either way. */
  partition(a: readonly string[], b: readonly string[]): Promise<void>;
  /** Peer traffic from `from` no longer reaches `to`. */
  oneWay(from: string, to: string): Promise<void>;
  /** Removes every partition, one-way cut and netem setting (not kills or pauses). */
  heal(): Promise<void>;
  /**
   * Degrades the node's peer links, e.g. { delayMs: 50, jitterMs: 10, lossPercent: 5 }.
   * Returns what was actually applied (a kernel without netem can only drop packets).
   */
  netem?(id: string, spec: NetemSpec): Promise<string>;
  clearNetem?(id: string): Promise<void>;
  /** Crashes every node at once, then starts them all. */
  restartAll(): Promise<void>;
  /** Starts a new node that will join (the caller then adds it with MemberAdd); returns its id. */
  addNode?(): Promise<string>;
  /** Stops a node that was removed from the membership and forgets it. */
  removeNode?(id: string): Promise<void>;
  /** The last lines of a node's log, for failure messages. */
  logTail(id: string, lines?: number): Promise<string>;
  /**
   * Every node that stopped with no nemesis stopping it (a crash: a bug or the environment),
   * since the cluster started. Also looks now: a node found down that nobody killed is recorded
   * and started again, so a crash is reported rather than hidden by the recovery that follows.
   */
  unexpectedExits(): Promise<NodeExit[]>;
  /** Stops everything and removes what was created (idempotent). */
  close(): Promise<void>;
}

/** A node that stopped on its own: how it ended and what it logged last. */
export interface NodeExit {
  id: string;
  /** e.g. 'exit code 1', 'signal SIGABRT', 'exited exit=137'. */
  status: string;
  logs: string;
}

/** Link degradation, as `tc netem delay <delayMs>ms <jitterMs>ms loss <lossPercent>%`. */
export interface NetemSpec {
  delayMs: number;
  jitterMs: number;
  lossPercent: number;
}

/** The `tc netem` argument string of a spec. */
export function netemArgs(spec: NetemSpec): string {
  const parts: string[] = [];
  if (spec.delayMs > 0) parts.push(`delay ${spec.delayMs}ms${spec.jitterMs > 0 ? ` ${spec.jitterMs}ms` : ''}`);
  if (spec.lossPercent > 0) parts.push(`loss ${spec.lossPercent}%`);
  return parts.join(' ');
}

/** Options shared by both backends. */
export interface BackendOptions {
  nodes: number;
  /** Extra environment for every node (e.g. a fault-injection switch in tests). */
  env?: Record<string, string>;
  /** Node log level (default 'warn': drills are long and logs go to disk). */
  logLevel?: string;
  /**
   * TLS on every port, mutual TLS between nodes and auth on (security.ts). The Docker backend's
   * default; the process backend runs plaintext.
   */
  secure?: boolean;
}

/** Polls `done` every `intervalMs` until it holds; throws naming `what` after `timeoutMs`. */
export async function waitFor(what: string, timeoutMs: number, done: () => Promise<boolean>, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() >= deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

/** A promise that resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
