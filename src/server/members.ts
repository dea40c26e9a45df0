import type { NodeId } from '../raft/index.js';

/** The name under which the member address book is replicated (a setMeta command). */
export const MEMBERS_META = 'members';

/**
 * Where each member listens. Raft configurations name members by id only; their addresses
 * travel through the log (MemberAdd writes them before the configuration change) so every node,
 * and every future leader, can reach every member. `--peers` seeds it at bootstrap.
 */
export class MemberDirectory {
  private readonly addresses = new Map<NodeId, string>();

  constructor(seed: ReadonlyMap<NodeId, string>) {
    for (const [id, addr] of seed) this.addresses.set(id, addr);
  }

  address(id: NodeId): string | undefined {
    return this.addresses.get(id);
  }

  /** Merges a replicated address book; returns whether anything changed. */
  merge(book: unknown): boolean {
    if (!book || typeof book !== 'object') return false;
    let changed = false;
    for (const [id, addr] of Object.entries(book as Record<string, unknown>)) {
      if (typeof addr !== 'string' || this.addresses.get(id) === addr) continue;
      this.addresses.set(id, addr);
      changed = true;
    }
    return changed;
  }

  /** The book with `id` at `address`, as it should be replicated. */
  withMember(id: NodeId, address: string): Record<string, string> {
    return { ...Object.fromEntries(this.addresses), [id]: address };
  }

  entries(): Map<NodeId, string> {
    return new Map(this.addresses);
  }
}
