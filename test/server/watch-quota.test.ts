import * as grpc from '@grpc/grpc-js';
import { describe, expect, test } from 'vitest';
import { thrown } from '../support/thrown.js';
import { RequestError } from '../../src/server/errors.js';
import { WatchQuota } from '../../src/server/watch-quota.js';

const limits = { maxWatches: 5, maxWatchesPerConnection: 2, maxWatchesPerUser: 3 };

describe('WatchQuota', () => {
  test("a connection's share, then a user's, then the node's; each refusal names its flag", () => {
    const refused: string[] = [];
    const q = new WatchQuota(limits, (l) => refused.push(l));
    q.acquire('c1', null);
    q.acquire('c1', null);
    const perConnection = thrown<RequestError>(() => q.acquire('c1', null));
    expect(perConnection.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(perConnection.message).toMatch(/on this connection: 2 open, at most 2 \(--max-watches-per-connection\)/);
    q.acquire('c2', 'alice');
    q.acquire('c3', 'alice');
    q.acquire('c4', 'alice');
    expect(thrown<RequestError>(() => q.acquire('c5', 'alice')).message).toMatch(/user "alice" on this node: 3 open, at most 3 \(--max-watches-per-user\)/);
    expect(thrown<RequestError>(() => q.acquire('c5', 'bob')).message).toMatch(/on this node: 5 open, at most 5 \(--max-watches\)/);
    expect(refused).toEqual(['watches_per_connection', 'watches_per_user', 'watches']);
    expect(q.size).toBe(5);
  });

  test('a release gives the share back once, however often it is called', () => {
    const q = new WatchQuota(limits);
    const release = q.acquire('c1', 'alice');
    q.acquire('c1', 'alice');
    release();
    release();
    expect(q.size).toBe(1);
    q.acquire('c1', 'alice');
    expect(() => q.acquire('c1', 'alice')).toThrow(/--max-watches-per-connection/);
  });
});
