// The setup several focused whole-node tests share: three founding members n1..n3 on one
// simulated network, started and given a second of virtual time to elect their first leader.
import type { Rng } from '../../src/common/rng.js';
import { SimMember, type MemberConfig } from './member.js';
import { SimNetwork, type LinkFaults } from './network.js';
import type { VirtualTime } from './virtual-time.js';

/** A quiet network: nothing lost or duplicated, 0–2 ms per message. */
export const QUIET_LINKS: LinkFaults = { dropP: 0, duplicateP: 0, minDelayMs: 0, maxDelayMs: 2 };

/** Three started members after 1 s of virtual time; `leader` is the one leading then (the call throws if none is). */
export async function threeMembers(
  time: VirtualTime,
  rng: Rng,
  opts: { links?: LinkFaults; member?: Partial<Omit<MemberConfig, 'id' | 'peers'>> } = {},
): Promise<{ net: SimNetwork; members: SimMember[]; leader: SimMember }> {
  const net = new SimNetwork(rng, opts.links ?? QUIET_LINKS);
  const peers = new Map(['n1', 'n2', 'n3'].map((id) => [id, `sim:${id}`]));
  const members: SimMember[] = [...peers.keys()].map((id) => new SimMember({ id, peers, snapshotEntries: 1_000_000, followerApplyDelayMs: 0, ...opts.member }, net, rng, () => members));
  for (const m of members) await m.start();
  await time.advance(1_000);
  const leader = members.find((m) => m.core?.raft.role === 'leader');
  if (!leader) throw new Error('no leader after 1 s');
  return { net, members, leader };
}
