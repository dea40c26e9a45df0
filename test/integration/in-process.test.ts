import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connect, type RaftdbClient } from '../../src/client/index.js';
import { InProcessCluster } from './in-process.js';

describe('3-node cluster in one process', () => {
  let cluster: InProcessCluster;
  let client: RaftdbClient;
  beforeAll(async () => {
    cluster = await InProcessCluster.start(3);
    await cluster.leader();
    client = connect({ endpoints: cluster.endpoints(), timeoutMs: 5000 });
  });
  afterAll(async () => {
    client?.close();
    await cluster?.close();
  });

  test('put then get at every consistency level', async () => {
    await client.put('a', '1');
    expect(await client.getString('a')).toBe('1');
    expect(await client.getString('a', { consistency: 'lease' })).toBe('1');
    // Serializable reads may lag on a follower but see the write after it applied everywhere.
    await new Promise((r) => setTimeout(r, 100));
    expect(await client.getString('a', { consistency: 'serializable' })).toBe('1');
  });
});
