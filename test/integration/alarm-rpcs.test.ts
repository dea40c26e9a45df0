// The storage-quota RPCs on an in-process cluster, request by request: AlarmActivate (only for a
// member, through any node), AlarmList and AlarmDisarm from followers, Compact (right after a
// write, never ahead of the current revision), Defragment (concurrent calls share one run).
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connect, type RaftdbClient, type RaftdbError } from '../../src/client/index.js';
import { loadRaftdbProto } from '../../src/proto/load.js';
import { InProcessCluster } from './in-process.js';

type Unary = (req: object, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;

function cluster(address: string): Record<string, Unary> & grpc.Client {
  const Cluster = loadRaftdbProto().Cluster;
  return new Cluster(address, grpc.credentials.createInsecure()) as unknown as Record<string, Unary> & grpc.Client;
}

function rpc(c: Record<string, Unary>, method: string, req: object): Promise<{ code: number; res?: unknown; details?: string }> {
  return new Promise((resolve) =>
    c[method]!.call(c, req, new grpc.Metadata(), { deadline: new Date(Date.now() + 5000) }, (err, res) =>
      resolve(err ? { code: err.code, details: err.details } : { code: grpc.status.OK, res }),
    ),
  );
}

describe('storage-quota RPCs', () => {
  let c: InProcessCluster;
  let client: RaftdbClient;
  let follower: ReturnType<typeof cluster>;
  beforeAll(async () => {
    c = await InProcessCluster.start(3);
    const leader = await c.leader();
    const followerAddress = [...c.nodes.values()].find((n) => n !== leader)!.address;
    follower = cluster(followerAddress);
    client = connect({ endpoints: c.endpoints(), timeoutMs: 5000 });
  }, 30_000);
  afterAll(async () => {
    follower?.close();
    client?.close();
    await c?.close();
  });

  test('AlarmActivate through a follower raises a member\'s alarm; writes that add data are refused; disarm', async () => {
    expect((await rpc(follower, 'AlarmActivate', { memberId: 'n9', alarm: 'NOSPACE' })).code).toBe(grpc.status.NOT_FOUND);
    expect((await rpc(follower, 'AlarmActivate', { memberId: 'n1', alarm: 'BOGUS' })).code).toBe(grpc.status.INVALID_ARGUMENT);
    expect((await rpc(follower, 'AlarmActivate', { memberId: '', alarm: 'NOSPACE' })).code).toBe(grpc.status.INVALID_ARGUMENT);
    const raised = await rpc(follower, 'AlarmActivate', { memberId: 'n3', alarm: 'NOSPACE' });
    expect(raised).toMatchObject({ code: grpc.status.OK, res: { alarms: [{ memberId: 'n3', alarm: 'NOSPACE' }] } });
    expect((await rpc(follower, 'AlarmList', {})).res).toMatchObject({ alarms: [{ memberId: 'n3', alarm: 'NOSPACE' }] });
    const refused = await client.put('k', 'v').catch((e: RaftdbError) => e);
    expect((refused as RaftdbError).code).toBe('RESOURCE_EXHAUSTED');
    expect((refused as RaftdbError).message).toMatch(/database space exceeded: the NOSPACE alarm is active \(raised by n3\)/);
    await client.delete('k'); // deletes work
    const disarmed = await rpc(follower, 'AlarmDisarm', { memberId: '', alarm: '' });
    expect(disarmed.res).toMatchObject({ disarmed: [{ memberId: 'n3' }], alarms: [] });
    await client.put('k', 'v');
  });

  test('CORRUPT is an alarm of the same table: raised and listed alike, refuses no write, disarmed by kind', async () => {
    const raised = await rpc(follower, 'AlarmActivate', { memberId: 'n2', alarm: 'CORRUPT' });
    expect(raised).toMatchObject({ code: grpc.status.OK, res: { alarms: [{ memberId: 'n2', alarm: 'CORRUPT' }] } });
    await client.put('k2', 'v'); // a CORRUPT member is taken out of rotation; the cluster keeps writing
    // The default kind of a disarm is NOSPACE: CORRUPT stays until disarmed by name.
    expect((await rpc(follower, 'AlarmDisarm', { memberId: '', alarm: '' })).res).toMatchObject({ disarmed: [], alarms: [{ memberId: 'n2', alarm: 'CORRUPT' }] });
    expect((await client.cluster.alarmDisarm({ alarm: 'CORRUPT' })).disarmed).toEqual([{ memberId: 'n2', alarm: 'CORRUPT' }]);
    expect((await client.cluster.alarmList()).alarms).toEqual([]);
  });

  test('Compact right after a write compacts to its revision; a revision ahead is OUT_OF_RANGE', async () => {
    let revision = 0;
    for (let i = 0; i < 5; i++) revision = (await client.put(`c/${i}`, 'x')).header.revision;
    const r = await client.cluster.compact(revision);
    expect(r.compactRevision).toBe(revision);
    const ahead = await rpc(follower, 'Compact', { revision: revision + 100 });
    expect(ahead.code).toBe(grpc.status.OUT_OF_RANGE);
    expect((await rpc(follower, 'Compact', { revision: -1 })).code).toBe(grpc.status.INVALID_ARGUMENT);
    // Reads of older revisions are gone, as the compaction said.
    const old = await client.range({ key: 'c/', prefix: true, revision: revision - 2 }).catch((e: RaftdbError) => e);
    expect((old as RaftdbError).code).toBe('OUT_OF_RANGE');
  });

  test('Defragment: concurrent calls to one node share one run and answer alike', async () => {
    const endpoint = c.endpoints()[0]!;
    const [a, b] = await Promise.all([client.cluster.defragment(endpoint), client.cluster.defragment(endpoint)]);
    expect(a.backendBytesAfter).toBeGreaterThan(0);
    expect(b).toMatchObject({ backendBytesBefore: a.backendBytesBefore, backendBytesAfter: a.backendBytesAfter });
  });
});
