import { expect, test } from 'vitest';
import { renderTop, type MemberStatus } from '../../src/metrics/index.js';
import { bar } from '../../src/metrics/top.js';
import { threeNodeStatus } from './fixtures.js';

test('a row per node, the leader starred, follower lag from the leader with bars scaled to the worst', () => {
  const out = renderTop(threeNodeStatus(), { barWidth: 10 });
  expect(out).toBe(
    [
      'leader n2  term 7  mode semi-sync  quorum yes',
      'NODE  ROLE      TERM  COMMIT  APPLIED  LAG  REPLICATION  CONTACT  MODE',
      'n1    follower     7    1040     1040    2  ▏            12 ms    semi-sync',
      'n2 *  leader       7    1042     1042    0               -        semi-sync',
      'n3    follower     7     742      700  300  ██████████   40 ms    semi-sync',
      '',
    ].join('\n'),
  );
});

test('unreachable nodes, no leader, degraded mode, alarms', () => {
  const members: MemberStatus[] = threeNodeStatus();
  members[1] = { id: 'n2', address: '127.0.0.1:7002', status: null, error: 'connect ECONNREFUSED' };
  members[0]!.status!.alarms = ['two leaders in term 7'];
  let out = renderTop(members);
  expect(out.split('\n')[0]).toBe('quorum lost: no leader; 2 of 3 members reachable (n1, n3)');
  const cutOff = threeNodeStatus().map((m) => ({ ...m, status: m.status && { ...m.status, hasQuorum: false } }));
  expect(renderTop(cutOff).split('\n')[0]).toMatch(/^leader n2 .* quorum lost$/);
  expect(out).toContain('ALARM n1: two leaders in term 7');
  expect(out).toMatch(/n2 +unreachable \(connect ECONNREFUSED[^)]*\) +- +- +- +- +- +-/);
  expect(out).toMatch(/n1 +follower +7 +1040 +1040 +\? /);

  const degraded = threeNodeStatus().map((m) => ({ ...m, status: m.status && { ...m.status, commitMode: 'sync' as const, effectiveCommitMode: 'semi-sync' as const } }));
  out = renderTop(degraded);
  expect(out.split('\n')[0]).toBe('leader n2  term 7  mode sync (effective semi-sync)  quorum yes');
  expect(out).toContain('sync->semi-sync');

  const twoLeaders = threeNodeStatus();
  twoLeaders[0]!.status!.role = 'leader';
  expect(renderTop(twoLeaders)).toContain('ALARM 2 nodes claim leadership');
});

test('colour only when asked', () => {
  expect(renderTop(threeNodeStatus())).not.toContain('\x1b[');
  const out = renderTop(threeNodeStatus(), { color: true });
  expect(out).toContain('\x1b[32mn2 *');
});

test('bars: eighths of a cell, a sliver for any lag, capped at full width', () => {
  expect(bar(0, 100, 10)).toBe('');
  expect(bar(1, 1000, 10)).toBe('▏');
  expect(bar(50, 100, 10)).toBe('█████');
  expect(bar(55, 100, 10)).toBe('█████▌');
  expect(bar(500, 100, 10)).toBe('██████████');
});
