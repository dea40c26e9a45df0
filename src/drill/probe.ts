// Asks the nodes who leads and how far each has applied: for nemeses that target the leader,
// and for the wait-until-recovered step after the faults are healed.
import { connect, type NodeStatus, type RaftdbClient } from '../client/index.js';
import { sleep } from './backend.js';
import { accessOptions, type ClientAccess } from './security.js';

/** The leader as the cluster reports it. */
export interface LeaderInfo {
  id: string;
  endpoint: string;
  term: number;
}

/** The nodes' own view of the cluster, one Status call per node. */
export class ClusterProbe {
  private readonly client: RaftdbClient;

  /** Status is open to any caller: with TLS, the CA is all a probe needs. */
  constructor(endpoints: readonly string[], access: ClientAccess | null = null) {
    this.client = connect({ endpoints: [...endpoints], timeoutMs: 1000, retry: { maxAttempts: 1 }, ...accessOptions(access, 'probe') });
  }

  /** A node's status, or null when it does not answer within `timeoutMs`. */
  status(endpoint: string, timeoutMs = 1000): Promise<NodeStatus | null> {
    return this.client.cluster.status({ endpoint, timeoutMs }).catch(() => null);
  }

  /** Status of every endpoint, in parallel (null for those that do not answer). */
  statuses(endpoints: readonly string[], timeoutMs = 1000): Promise<(NodeStatus | null)[]> {
    return Promise.all(endpoints.map((e) => this.status(e, timeoutMs)));
  }

  /** The node claiming leadership in the highest term, if any answers as leader. */
  async leader(endpoints: readonly string[]): Promise<LeaderInfo | null> {
    const rows = await this.statuses(endpoints);
    let best: LeaderInfo | null = null;
    rows.forEach((s, i) => {
      if (s?.role === 'leader' && (best === null || s.term > best.term)) best = { id: s.id, endpoint: endpoints[i]!, term: s.term };
    });
    return best;
  }

  /** Waits for a leader that a majority of `endpoints` follow in its term. */
  async stableLeader(endpoints: readonly string[], timeoutMs: number): Promise<LeaderInfo> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      const rows = await this.statuses(endpoints);
      const i = rows.findIndex((s) => s?.role === 'leader');
      const lead = i >= 0 ? rows[i]! : null;
      if (lead && rows.filter((s) => s?.leader === lead.id && s.term === lead.term).length * 2 > endpoints.length) {
        return { id: lead.id, endpoint: endpoints[i]!, term: lead.term };
      }
      last = rows.map((s, j) => (s ? `${s.id}:${s.role}/t${s.term}` : `${endpoints[j]}:down`)).join(' ');
      if (Date.now() >= deadline) throw new Error(`no stable leader within ${timeoutMs} ms (${last})`);
      await sleep(100);
    }
  }

  /**
   * Waits until a leader is stable and every node has applied what it had committed when we
   * looked; returns how long that took. "Caught up" is judged against one snapshot of the
   * leader's commit index, so ongoing writes cannot keep it from ever holding.
   */
  async caughtUp(endpoints: readonly string[], timeoutMs: number): Promise<number> {
    const startMs = Date.now();
    const leader = await this.stableLeader(endpoints, timeoutMs);
    const target = (await this.status(leader.endpoint))?.commitIndex ?? 0;
    let lagging = '';
    for (;;) {
      const rows = await this.statuses(endpoints);
      const behind = rows.flatMap((s, i) => (s !== null && s.appliedIndex >= target ? [] : [`${s?.id ?? endpoints[i]}@${s?.appliedIndex ?? 'down'}`]));
      if (behind.length === 0) return Date.now() - startMs;
      lagging = behind.join(', ');
      if (Date.now() - startMs >= timeoutMs) throw new Error(`nodes not caught up to index ${target} within ${timeoutMs} ms: ${lagging}`);
      await sleep(100);
    }
  }

  close(): void {
    this.client.close();
  }
}
