import { afterEach, describe, expect, test } from 'vitest';
import { NodeMetrics, type MetricsSnapshot } from '../../src/metrics/index.js';
import { OUR_METRICS, parseExposition, snapshot, valueOf, type Sample } from './fixtures.js';

const opened: NodeMetrics[] = [];
afterEach(() => opened.splice(0).forEach((m) => m.close()));

/** A NodeMetrics over a scripted snapshot and clock, sampled only when scraped. */
function scripted(first: MetricsSnapshot): { m: NodeMetrics; set(s: MetricsSnapshot, atMs: number): void; scrape(): Promise<Sample[]>; calls(): number } {
  let current = first;
  let now = 1_000_000;
  let calls = 0;
  const m = new NodeMetrics({ nodeId: 'n1', sampleIntervalMs: 0, nowMs: () => now, snapshot: () => (calls++, current) });
  opened.push(m);
  return {
    m,
    set: (s, atMs) => ((current = s), (now = 1_000_000 + atMs)),
    scrape: async () => parseExposition(await m.render()),
    calls: () => calls,
  };
}

describe('NodeMetrics', () => {
  test('gauges follow a scripted sequence: lag rises then falls, term increments, roles flip', async () => {
    const t = scripted(snapshot());
    const lag = (s: Sample[], peer: string) => [valueOf(s, 'raftdb_replication_lag_entries', { peer }), valueOf(s, 'raftdb_replication_lag_seconds', { peer })];
    const followers = (n3Match: number, last: number) => [
      { id: 'n2', matchIndex: last, lagEntries: 0, lastContactMs: 5, connected: true },
      { id: 'n3', matchIndex: n3Match, lagEntries: last - n3Match, lastContactMs: 900, connected: false },
    ];

    let s = await t.scrape();
    expect(valueOf(s, 'raftdb_raft_term', { node: 'n1' })).toBe(1);
    expect(lag(s, 'n3')).toEqual([0, 0]);

    // n3 stops at 100 while the leader appends: entries and seconds behind grow.
    t.set(snapshot({ lastIndex: 150, commitIndex: 150, appliedIndex: 149, followers: followers(100, 150) }), 1000);
    s = await t.scrape();
    expect(lag(s, 'n3')).toEqual([50, 0]);
    expect(valueOf(s, 'raftdb_follower_connected', { peer: 'n3' })).toBe(0);
    expect(valueOf(s, 'raftdb_follower_last_contact_seconds', { peer: 'n3' })).toBe(0.9);
    t.set(snapshot({ lastIndex: 200, commitIndex: 200, followers: followers(100, 200) }), 3000);
    s = await t.scrape();
    // Entry 101 first showed up in the sample taken at 1 s: it is 2 s old.
    expect(lag(s, 'n3')).toEqual([100, 2]);
    expect(lag(s, 'n2')).toEqual([0, 0]);

    // n3 catches up: both measures fall back to zero.
    t.set(snapshot({ lastIndex: 200, commitIndex: 200, followers: followers(180, 200) }), 4000);
    expect(lag(await t.scrape(), 'n3')).toEqual([20, 1]);
    t.set(snapshot({ lastIndex: 200, commitIndex: 200, followers: followers(200, 200) }), 5000);
    expect(lag(await t.scrape(), 'n3')).toEqual([0, 0]);

    // A new term with another leader: this node follows, per-peer series disappear.
    t.set(snapshot({ role: 'follower', term: 2, leader: 'n2', followers: [], hasQuorum: true }), 6000);
    s = await t.scrape();
    expect(valueOf(s, 'raftdb_raft_term')).toBe(2);
    expect(valueOf(s, 'raftdb_raft_role', { role: 'follower' })).toBe(1);
    expect(valueOf(s, 'raftdb_raft_role', { role: 'leader' })).toBe(0);
    expect(s.filter((x) => x.name === 'raftdb_replication_lag_entries')).toEqual([]);

    // Leader again in term 3: the lag clock restarted, so older appends are not held against n3.
    t.set(snapshot({ term: 3, lastIndex: 260, commitIndex: 250, followers: followers(230, 260) }), 9000);
    s = await t.scrape();
    expect(valueOf(s, 'raftdb_raft_term')).toBe(3);
    expect(lag(s, 'n3')).toEqual([30, 0]);
    expect(valueOf(s, 'raftdb_raft_last_log_index')).toBe(260);
    expect(valueOf(s, 'raftdb_raft_commit_index')).toBe(250);
  });

  test('renders every metric, ours prefixed raftdb_ and labelled with the node, plus process metrics', async () => {
    const t = scripted(
      snapshot({ snapshotIndex: 42, walBytes: 123456, commitMode: 'sync', effectiveCommitMode: 'semi-sync', syncDegraded: true, asyncUncommittedEntries: 7, asyncUncommittedMs: 1500, hasQuorum: false, backendBytes: 3_000_000, quotaBackendBytes: 4_000_000, watchHistoryBytes: 2_500_000, activeAlarms: ['NOSPACE'] }),
    );
    const { m } = t;
    m.recordSoftState({ role: 'leader', term: 1, leader: 'n1' });
    m.recordAppendError('n3');
    m.observeFsync(0.004);
    m.observeProposeToCommit('semi-sync', 0.012);
    m.observeRequest('Put', 'OK', 0.015);
    m.observeRequest('Put', 'UNAVAILABLE', 0.2);
    m.recordFailoverEvent('switchover', 'ok');
    m.observeSwitchoverUnavailability(0.08);
    m.recordQuorumLoss('check-quorum', 4.5);
    m.recordStreamPaused('pipeline');
    m.recordLimitRefused('watches_per_connection');
    m.recordShed('event_loop');
    m.recordShed('event_loop');
    m.observeEventLoopDelay(0.3);
    m.forward.bind({ inFlight: () => 5, readsWaiting: () => 3 });
    m.forward.recordForward('Put');
    m.forward.observeBatch(4);
    m.forward.recordForwardRefused('executing_full');
    m.forward.observeReadRound(7);
    m.forward.recordFollowerReadRefused();
    const text = await m.render();
    for (const name of OUR_METRICS) expect(text, name).toContain(`# TYPE ${name} `);
    const s = parseExposition(text);
    const ours = s.filter((x) => x.name.startsWith('raftdb_'));
    const names = new Set(ours.map((x) => x.name.replace(/_(bucket|sum|count)$/, '')));
    expect([...names].sort()).toEqual([...OUR_METRICS].sort());
    expect(ours.every((x) => x.labels.node === 'n1')).toBe(true);
    expect(valueOf(s, 'raftdb_snapshot_index')).toBe(42);
    expect(valueOf(s, 'raftdb_shed_requests_total', { reason: 'event_loop' })).toBe(2);
    expect(valueOf(s, 'raftdb_eventloop_delay_seconds_bucket', { le: '0.2' })).toBe(0);
    expect(valueOf(s, 'raftdb_eventloop_delay_seconds_bucket', { le: '0.5' })).toBe(1);
    expect(valueOf(s, 'raftdb_forward_in_flight')).toBe(5);
    expect(valueOf(s, 'raftdb_follower_reads_waiting')).toBe(3);
    expect(valueOf(s, 'raftdb_forward_refused_total', { reason: 'executing_full' })).toBe(1);
    expect(valueOf(s, 'raftdb_follower_read_round_reads_sum')).toBe(7);
    expect(valueOf(s, 'raftdb_wal_size_bytes')).toBe(123456);
    expect(valueOf(s, 'raftdb_has_quorum')).toBe(0);
    expect(valueOf(s, 'raftdb_sync_degraded')).toBe(1);
    expect(valueOf(s, 'raftdb_async_uncommitted_entries')).toBe(7);
    expect(valueOf(s, 'raftdb_async_uncommitted_seconds')).toBe(1.5);
    expect(valueOf(s, 'raftdb_backend_size_bytes')).toBe(3_000_000);
    expect(valueOf(s, 'raftdb_quota_backend_bytes')).toBe(4_000_000);
    expect(valueOf(s, 'raftdb_watch_history_bytes')).toBe(2_500_000);
    expect(valueOf(s, 'raftdb_alarm_active', { alarm: 'NOSPACE' })).toBe(1);
    // CORRUPT shares the gauge (one alarm machinery); reported as 0 while only NOSPACE is active.
    expect(valueOf(s, 'raftdb_alarm_active', { alarm: 'CORRUPT' })).toBe(0);
    expect(valueOf(s, 'raftdb_commit_mode', { mode: 'sync', kind: 'configured' })).toBe(1);
    expect(valueOf(s, 'raftdb_commit_mode', { mode: 'semi-sync', kind: 'configured' })).toBe(0);
    expect(valueOf(s, 'raftdb_commit_mode', { mode: 'semi-sync', kind: 'effective' })).toBe(1);
    expect(valueOf(s, 'raftdb_append_errors_total', { peer: 'n3' })).toBe(1);
    expect(valueOf(s, 'raftdb_requests_total', { method: 'Put', code: 'UNAVAILABLE' })).toBe(1);
    expect(valueOf(s, 'raftdb_request_duration_seconds_count', { method: 'Put' })).toBe(2);
    expect(valueOf(s, 'raftdb_wal_fsync_duration_seconds_bucket', { le: '0.005' })).toBe(1);
    expect(valueOf(s, 'raftdb_wal_fsync_duration_seconds_bucket', { le: '0.002' })).toBe(0);
    expect(valueOf(s, 'raftdb_propose_to_commit_seconds_count', { mode: 'semi-sync' })).toBe(1);
    expect(valueOf(s, 'raftdb_failover_events_total', { reason: 'switchover', result: 'ok' })).toBe(1);
    expect(valueOf(s, 'raftdb_switchover_unavailability_seconds_sum')).toBe(0.08);
    expect(valueOf(s, 'raftdb_quorum_losses_total', { cause: 'check-quorum' })).toBe(1);
    expect(valueOf(s, 'raftdb_quorum_loss_duration_seconds_sum')).toBe(4.5);
    // Presence and the node label are what matters: the kernel accounts CPU time in ticks, so
    // a fast test can legitimately read 0 s of user CPU since the collector was registered.
    expect(valueOf(s, 'process_cpu_user_seconds_total', { node: 'n1' })).toBeGreaterThanOrEqual(0);
    expect(valueOf(s, 'process_resident_memory_bytes', { node: 'n1' })).toBeGreaterThan(0);
    expect(m.contentType).toMatch(/^text\/plain/);
  });

  test('one snapshot per scrape, however many gauges ask', async () => {
    const t = scripted(snapshot());
    await t.scrape();
    expect(t.calls()).toBe(1);
    await new Promise((r) => setImmediate(r));
    await t.scrape();
    expect(t.calls()).toBe(2);
  });

  test('leader changes count a new leader or a new term, not repeats or leaderless moments', async () => {
    const { m, scrape } = scripted(snapshot());
    const changes = async () => valueOf(await scrape(), 'raftdb_raft_leader_changes_total');
    m.recordSoftState({ role: 'follower', term: 1, leader: 'n2' });
    m.recordSoftState({ role: 'follower', term: 1, leader: 'n2' });
    expect(await changes()).toBe(1);
    m.recordSoftState({ role: 'preCandidate', term: 1, leader: null });
    m.recordSoftState({ role: 'leader', term: 2, leader: 'n1' });
    await new Promise((r) => setImmediate(r));
    expect(await changes()).toBe(2);
    m.recordSoftState({ role: 'follower', term: 3, leader: 'n1' });
    await new Promise((r) => setImmediate(r));
    expect(await changes()).toBe(3);
  });

  test('the background sampler dates appends between scrapes', async () => {
    let current = snapshot({ lastIndex: 100 });
    const m = new NodeMetrics({ nodeId: 'n1', defaultMetrics: false, sampleIntervalMs: 20, snapshot: () => current });
    opened.push(m);
    await new Promise((r) => setTimeout(r, 60));
    current = snapshot({ lastIndex: 150, followers: [{ id: 'n3', matchIndex: 100, lagEntries: 50, lastContactMs: 0, connected: true }] });
    await new Promise((r) => setTimeout(r, 300));
    const lagSeconds = valueOf(parseExposition(await m.render()), 'raftdb_replication_lag_seconds', { peer: 'n3' })!;
    expect(lagSeconds).toBeGreaterThanOrEqual(0.2);
    expect(lagSeconds).toBeLessThan(5);
  });
});
