// The process backend's record of nodes that stopped on their own: a member the drill removed
// exits by itself (EXIT_REMOVED) once it learns of its removal, often before the drill stops it,
// and that exit is the product working, not a finding (CI saw a drill fail on it: the leader
// removed by the membership nemesis had exited 4). Any other exit is still reported.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connect } from '../../src/client/index.js';
import { EXIT_REMOVED } from '../../src/common/exit-codes.js';
import { ProcessCluster } from '../../src/drill/index.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: string, ms: number, check: () => boolean): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('ProcessCluster exits', () => {
  let cluster: ProcessCluster;
  beforeAll(async () => {
    cluster = await ProcessCluster.start({ nodes: 3 });
  }, 60_000);
  afterAll(async () => {
    await cluster?.close();
  });

  test('a removed member exiting on its own is not reported; a node killed from outside is', { timeout: 60_000 }, async () => {
    const client = connect({ endpoints: cluster.endpoints(), timeoutMs: 10_000 });
    try {
      const pid = cluster.pidOf('n3')!;
      await client.cluster.memberRemove('n3');
      // It learns of its removal from the leader and exits EXIT_REMOVED before the drill stops it.
      await until('n3 exits on its own', 20_000, () => !alive(pid));
      await cluster.removeNode('n3');
      expect(await cluster.unexpectedExits()).toEqual([]);

      process.kill(cluster.pidOf('n2')!, 'SIGKILL');
      await until('n2 is gone', 10_000, () => cluster.pidOf('n2') === undefined);
      const exits = await cluster.unexpectedExits();
      expect(exits.map((e) => [e.id, e.status])).toEqual([['n2', 'signal SIGKILL']]);
      expect(EXIT_REMOVED).toBe(4);
    } finally {
      client.close();
    }
  });
});
