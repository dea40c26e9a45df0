// Operator verbs against fake nodes: the status table from every endpoint and membership changes.
import { afterEach, describe, expect, it } from 'vitest';
import { FakeNode, deadEndpoint, hdr } from '../client/fake-server.js';
import { raftdb } from './harness.js';

const nodes: FakeNode[] = [];
afterEach(() => {
  for (const n of nodes.splice(0)) n.close();
});

async function statusNode(id: string, role: string, extra: Record<string, unknown> = {}): Promise<FakeNode> {
  const n = await FakeNode.start();
  nodes.push(n);
  n.handlers.set('Status', () => ({
    id,
    address: n.address,
    role,
    term: 7,
    leader: 'n1',
    commitIndex: 120,
    appliedIndex: 119,
    hasQuorum: true,
    commitMode: 'SYNC',
    effectiveCommitMode: 'SEMI_SYNC',
    syncDegraded: true,
    ...extra,
  }));
  return n;
}

describe('status', () => {
  it('shows one row per endpoint, lag from the leader, and an unreachable node in one short cell; exit 1 with a node down', async () => {
    const leader = await statusNode('n1', 'leader', {
      followers: [{ id: 'n2', lagEntries: 12, lastContactMs: 40 }],
      alarms: ['two leaders in term 7'],
      switchover: { id: 'sw-1', state: 'catching-up', from: 'n1', to: 'n2' },
    });
    const follower = await statusNode('n2', 'follower');
    const dead = await deadEndpoint();
    const r = await raftdb(['status', '--endpoints', `${leader.address},${follower.address},${dead}`, '--timeout', '1000']);
    expect(r.code).toBe(1); // a node is down
    const lines = r.stdout.split('\n');
    expect(lines.find((l) => l.includes(' n1 '))).toMatch(/leader\s+│ 7\s+│ n1\s+│ 120\s+│ 119\s+│ 0\s+│ yes\s+│ sync \(now semi-sync\)/);
    expect(lines.find((l) => l.includes(' n2 '))).toMatch(/follower.*│ 12 \(ack 40 ms ago\)\s+│ yes/);
    expect(lines.find((l) => l.includes(dead))).toMatch(/│ unreachable \(connection refused\)\s+│/);
    expect(r.stdout).toContain('ALARM n1: two leaders in term 7');
    expect(r.stdout).toContain('switchover sw-1: catching-up n1 -> n2');
    expect(r.stderr).toMatch(/^raftdb: degraded: .* unreachable \(connection refused\)\n$/);
    const relaxed = await raftdb(['status', '--ok-if-degraded', '--endpoints', `${leader.address},${follower.address},${dead}`, '--timeout', '1000']);
    expect(relaxed.code).toBe(0);
  });

  it('shows a learner as a learner and prints JSON with --json', async () => {
    const leader = await statusNode('n1', 'leader');
    const learner = await statusNode('n4', 'follower', { learners: ['n4'] });
    const r = await raftdb(['status', '--json', '--endpoints', `${leader.address},${learner.address}`]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { members: { id: string; role: string; status: Record<string, unknown> }[]; quorum: boolean; leader: string };
    expect(doc).toMatchObject({ quorum: true, leader: 'n1', problems: [] });
    expect(doc.members[0]).toMatchObject({ id: 'n1', role: 'leader', status: { commitMode: 'sync', effectiveCommitMode: 'semi-sync' } });
    expect(doc.members[1]).toMatchObject({ id: 'n4', role: 'learner' });
  });

  it('exits 1 with the reason when quorum is lost, or no node answers', async () => {
    const lonely = await statusNode('n3', 'preCandidate', { leader: '', hasQuorum: false, lastLeader: 'n2', lastLeaderTerm: 7 });
    lonely.handlers.set('MemberList', () => ({ header: hdr(1), members: ['n1', 'n2', 'n3'].map((id, i) => ({ id, address: id === 'n3' ? lonely.address : `127.0.0.1:${[1, 2][i]}`, isLearner: false })) }));
    const lost = await raftdb(['status', '--endpoints', lonely.address, '--timeout', '1000']);
    expect(lost.code).toBe(1);
    expect(lost.stderr).toBe('raftdb: quorum lost: 1 of 3 members reachable (n3); last leader n2 at term 7\n');
    const r = await raftdb(['status', '--endpoints', await deadEndpoint(), '--timeout', '500']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^raftdb: no leader/);
  });
});

describe('member', () => {
  it('adds a learner and prints the members', async () => {
    const n = await FakeNode.start({
      MemberAdd: () => ({ header: hdr(3), members: [{ id: 'n1', address: '127.0.0.1:7001', isLearner: false }, { id: 'n4', address: '127.0.0.1:7004', isLearner: true }] }),
    });
    nodes.push(n);
    const r = await raftdb(['member', 'add', 'n4', '127.0.0.1:7004', '--learner', '--endpoints', n.address]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/n4\s+│ 127\.0\.0\.1:7004 │ learner/);
    expect(n.requests('MemberAdd')[0]).toEqual({ id: 'n4', address: '127.0.0.1:7004', asLearner: true });
  });

  it('lists, promotes and removes as JSON', async () => {
    const members = { header: hdr(3), members: [{ id: 'n1', address: '127.0.0.1:7001', isLearner: false }] };
    const n = await FakeNode.start({ MemberList: () => members, MemberPromote: () => members, MemberRemove: () => members });
    nodes.push(n);
    for (const argv of [['member', 'list'], ['member', 'promote', 'n4'], ['member', 'remove', 'n4']]) {
      const r = await raftdb([...argv, '--json', '--endpoints', n.address]);
      expect(JSON.parse(r.stdout)).toEqual({ members: members.members, revision: 3 });
    }
    expect(n.requests('MemberRemove')[0]).toEqual({ id: 'n4' });
  });

  it('exits 2 without the member id', async () => {
    expect((await raftdb(['member', 'promote'])).code).toBe(2);
  });
});
