// switchover, failback, history and mode against a fake node: the request each sends, what it
// prints (text and --json), and exit 1 with the server's reason when the server refuses.
import { status } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeNode, fault, hdr } from '../client/fake-server.js';
import { raftdb } from './harness.js';

let n: FakeNode;
let ep: string[];
beforeEach(async () => {
  n = await FakeNode.start();
  ep = ['--endpoints', n.address];
});
afterEach(() => n.close());

const done = { id: 'ab12cd34', state: 'done', from: 'n1', to: 'n2', reason: 'switchover', unavailableMs: 41.6, startedAtMs: 1000, finishedAtMs: 1042 };

describe('switchover', () => {
  it('sends the target, expected leader and lag bound, and prints id, state, from -> to and unavailability', async () => {
    n.handlers.set('TransferLeadership', () => ({ header: hdr(3), switchover: done, leader: 'n2' }));
    const r = await raftdb(['switchover', '--to', 'n2', '--expected-leader', 'n1', '--max-lag', '10', ...ep]);
    expect(r).toEqual({ code: 0, stdout: 'switchover ab12cd34: done, n1 -> n2, writes unavailable 42 ms\n', stderr: '' });
    expect(n.requests('TransferLeadership')[0]).toEqual({ to: 'n2', expectedLeader: 'n1', maxLagEntries: 10 });
  });

  it('picks the best candidate without --to, and prints JSON', async () => {
    n.handlers.set('TransferLeadership', () => ({ header: hdr(3), switchover: done, leader: 'n2' }));
    const r = await raftdb(['switchover', '--json', ...ep]);
    expect(JSON.parse(r.stdout)).toEqual({ ok: true, ...done, leader: 'n2' });
    expect(n.requests('TransferLeadership')[0]).toEqual({ to: '', expectedLeader: '', maxLagEntries: 0 });
  });

  it('exits 1 with the reason when the server refuses', async () => {
    n.handlers.set('TransferLeadership', () => Promise.reject(fault(status.FAILED_PRECONDITION, 'no eligible candidate: n2 lags by 5000 entries (at most 1000)')));
    const r = await raftdb(['switchover', '--to', 'n2', ...ep]);
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'raftdb: switchover refused: no eligible candidate: n2 lags by 5000 entries (at most 1000)\n' });
    const j = await raftdb(['switchover', '--json', ...ep]);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout)).toEqual({ ok: false, code: 'FAILED_PRECONDITION', reason: 'no eligible candidate: n2 lags by 5000 entries (at most 1000)', error: { code: 'FAILED_PRECONDITION', message: 'switchover refused: no eligible candidate: n2 lags by 5000 entries (at most 1000)', exitCode: 1 } });
  });

  it('says when a transfer was aborted', async () => {
    n.handlers.set('TransferLeadership', () => Promise.reject(fault(status.ABORTED, 'switchover to n2 aborted: n2 did not win within 300 ms; n1 keeps leading')));
    expect((await raftdb(['switchover', ...ep])).stderr).toBe('raftdb: switchover aborted: switchover to n2 aborted: n2 did not win within 300 ms; n1 keeps leading\n');
  });

  it.each([
    [['--max-lag', '0'], /--max-lag/],
    [['--max-lag', 'x'], /--max-lag/],
    [['--to', 'n1', '--expected-leader', 'n1'], /--to n1 is the expected leader already/],
    [['n2'], /too many arguments/],
  ])('exits 2 on %j', async (args, message) => {
    const r = await raftdb(['switchover', ...args, ...ep]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(n.requests('TransferLeadership')).toEqual([]);
  });
});

describe('failback', () => {
  it('prints the transfer back to the preferred leader', async () => {
    n.handlers.set('Failback', () => ({ header: hdr(3), switchover: { ...done, reason: 'failback', from: 'n2', to: 'n1' }, leader: 'n1' }));
    expect((await raftdb(['failback', ...ep])).stdout).toBe('failback ab12cd34: done, n2 -> n1, writes unavailable 42 ms\n');
  });

  it('exits 1 when no preferred leader is configured', async () => {
    n.handlers.set('Failback', () => Promise.reject(fault(status.FAILED_PRECONDITION, 'no preferred leader is configured (--preferred-leader)')));
    expect(await raftdb(['failback', ...ep])).toMatchObject({ code: 1, stderr: 'raftdb: failback refused: no preferred leader is configured (--preferred-leader)\n' });
  });
});

describe('history', () => {
  const events = [
    { term: 2, from: '', to: 'n1', reason: 'election', detectedAtMs: Date.UTC(2026, 0, 2, 3, 4, 5, 6), electedAtMs: Date.UTC(2026, 0, 2, 3, 4, 5, 300), firstWriteAtMs: 0, unavailableMs: 294 },
    { term: 3, from: 'n1', to: 'n2', reason: 'switchover', detectedAtMs: Date.UTC(2026, 0, 2, 3, 5, 0, 0), electedAtMs: Date.UTC(2026, 0, 2, 3, 5, 0, 20), firstWriteAtMs: Date.UTC(2026, 0, 2, 3, 5, 0, 31), unavailableMs: 31.4 },
  ];

  it('prints a table of term, from, to, reason, times and unavailability', async () => {
    n.handlers.set('FailoverHistory', () => ({ header: hdr(3), events }));
    const r = await raftdb(['history', '--limit', '2', ...ep]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/TERM.*FROM.*TO.*REASON.*DETECTED \(UTC\).*ELECTED.*FIRST COMMIT.*UNAVAILABLE MS/);
    expect(r.stdout).toMatch(/2\s+│ -\s+│ n1 │ election\s+│ 2026-01-02 03:04:05\.006 │ 03:04:05\.300 │ -\s+│ 294/);
    expect(r.stdout).toMatch(/3\s+│ n1\s+│ n2 │ switchover │ 2026-01-02 03:05:00\.000 │ 03:05:00\.020 │ 03:05:00\.031 │ 31/);
    expect(n.requests('FailoverHistory')[0]).toEqual({ limit: 2 });
  });

  const quorumLosses = [
    { startedAtMs: Date.UTC(2026, 0, 2, 3, 6, 0, 0), endedAtMs: Date.UTC(2026, 0, 2, 3, 6, 4, 250), durationMs: 4250, detectedAtMs: Date.UTC(2026, 0, 2, 3, 6, 0, 150), cause: 'check-quorum', lastLeader: 'n2', lastLeaderTerm: 3, regainedTerm: 4, observedBy: ['n2', 'n3'] },
  ];

  it('prints the periods without a quorum after the leadership changes, and both in JSON', async () => {
    n.handlers.set('FailoverHistory', () => ({ header: hdr(3), events, quorumLosses }));
    const r = await raftdb(['history', ...ep]);
    expect(r.stdout).toMatch(/periods without a quorum:\n.*\n.*QUORUM LOST \(UTC\).*REGAINED.*DURATION MS.*CAUSE.*LAST LEADER.*REGAINED IN TERM.*SEEN BY/);
    expect(r.stdout).toMatch(/2026-01-02 03:06:00\.000 │ 03:06:04\.250 │ 4250\s+│ check-quorum │ n2 \(term 3\) │ 4\s+│ n2,n3/);
    expect(JSON.parse((await raftdb(['history', '--json', ...ep])).stdout)).toEqual({ events, quorumLosses });
  });

  it('prints the events as JSON, and says when there are none', async () => {
    n.handlers.set('FailoverHistory', () => ({ header: hdr(3), events }));
    expect(JSON.parse((await raftdb(['history', '--json', ...ep])).stdout)).toEqual({ events, quorumLosses: [] });
    n.handlers.set('FailoverHistory', () => ({ header: hdr(3), events: [] }));
    expect((await raftdb(['history', ...ep])).stdout).toBe('no leadership changes recorded\n');
  });

  it('exits 2 on a bad --limit', async () => {
    expect((await raftdb(['history', '--limit', '-3', ...ep])).code).toBe(2);
  });
});

describe('mode', () => {
  it('sets sync with a policy and timeout', async () => {
    n.handlers.set('SetCommitMode', () => ({ header: hdr(8), mode: 'SYNC' }));
    const r = await raftdb(['mode', 'set', 'sync', '--sync-policy', 'strict', '--sync-timeout-ms', '500', ...ep]);
    expect(r).toEqual({ code: 0, stdout: 'commit mode set to sync (sync policy strict, sync timeout 500 ms)\n', stderr: '' });
    expect(n.requests('SetCommitMode')[0]).toEqual({ mode: 'SYNC', syncPolicy: 'strict', syncTimeoutMs: 500, minSyncReplicas: 0 });
  });

  it('sets semi-sync with min sync replicas, as JSON', async () => {
    n.handlers.set('SetCommitMode', () => ({ header: hdr(8), mode: 'SEMI_SYNC' }));
    const r = await raftdb(['mode', 'set', 'semi-sync', '--min-sync-replicas', '1', '--json', ...ep]);
    expect(JSON.parse(r.stdout)).toEqual({ mode: 'semi-sync', minSyncReplicas: 1, revision: 8 });
    expect(n.requests('SetCommitMode')[0]).toMatchObject({ mode: 'SEMI_SYNC', minSyncReplicas: 1 });
  });

  it.each([
    [['fast'], /value 'fast' is invalid for argument 'mode'/],
    [[], /missing required argument 'mode'/],
    [['async', '--sync-policy', 'strict'], /--sync-policy applies to mode sync only/],
    [['semi-sync', '--sync-timeout-ms', '100'], /--sync-timeout-ms applies to mode sync only/],
    [['sync', '--min-sync-replicas', '1'], /--min-sync-replicas applies to mode semi-sync only/],
    [['sync', '--sync-timeout-ms', '5'], /--sync-timeout-ms: "5" is not an integer from 10 to 600000/],
    [['semi-sync', '--min-sync-replicas', '7'], /--min-sync-replicas: "7" is not an integer from 0 to 6/],
    [['sync', '--sync-policy', 'maybe'], /argument 'maybe' is invalid/],
  ])('exits 2 on mode set %j', async (args, message) => {
    const r = await raftdb(['mode', 'set', ...args, ...ep]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(n.requests('SetCommitMode')).toEqual([]);
  });

  it('gets the configured and effective mode from the leader', async () => {
    n.handlers.set('Status', () => ({
      id: 'n1', role: 'leader', term: 4, commitMode: 'SYNC', effectiveCommitMode: 'SEMI_SYNC', syncDegraded: true, syncDegradations: 2,
      ackedWritesByMode: { SYNC: 10, SEMI_SYNC: 3 },
    }));
    const r = await raftdb(['mode', 'get', ...ep]);
    expect(r.stdout).toBe(
      'configured: sync\neffective:  semi-sync (degraded: a voter is not confirming writes)\nsync degradations: 2\nwrites acknowledged by n1 (leader): sync 10, semi-sync 3\n',
    );
    const j = await raftdb(['mode', 'get', '--json', ...ep]);
    expect(JSON.parse(j.stdout)).toEqual({ node: 'n1', role: 'leader', configured: 'sync', effective: 'semi-sync', degraded: true, degradations: 2, ackedWritesByMode: { sync: 10, 'semi-sync': 3 } });
  });
});
