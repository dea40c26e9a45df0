// `raftdb defrag` of a member near its storage quota while a backup streams from it, with no
// write: no NOSPACE alarm (issue 18 saw two members raise it during the defragments of a 1 GiB
// run). The backup's LevelDB iterator keeps every table the defragment replaces, so the state
// directory really grows past the quota on disk (checked: otherwise the test proves nothing); the
// quota counts only the tables LevelDB still holds, and once the backup ends the member has
// LevelDB delete the others. Writes work throughout. One node: the other members play no part.
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { dirBytes } from '../../src/bench/disk.js';
import { loadValues } from '../../src/bench/snapshot-load.js';
import type { RaftdbClient } from '../../src/client/index.js';
import { logTailsOnFailure, ProcessCluster } from './process-cluster.js';

const MiB = 1024 * 1024;
/** 48 MiB of values and as much watch history: about 101 MB of tables (100-118 MB on disk with LevelDB's own compactions' leftovers). */
const VALUES = 768;
const VALUE_BYTES = 64 * 1024;
/** Above what the load leaves, below what the defragment takes with the backup open (130-200 MB on this host). */
const QUOTA_BYTES = 120 * MiB;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let cluster: ProcessCluster | undefined;
let client: RaftdbClient;
beforeAll(async () => {
  cluster = await ProcessCluster.start({ nodes: 1, extraArgs: ['--quota-backend-bytes', String(QUOTA_BYTES)] });
  client = cluster.client({ retry: { maxAttempts: 3 } });
}, 60_000);
afterAll(async () => {
  client?.close();
  await cluster?.close();
});
logTailsOnFailure(() => cluster);

test('a defragment while a backup streams raises no NOSPACE; the replaced tables go once the backup ends', async () => {
  const node = [...cluster!.nodes.values()][0]!;
  const stateDir = join(node.dataDir, 'state');
  await loadValues(client, { prefix: 'd/', count: VALUES, valueBytes: VALUE_BYTES, concurrency: 8 });
  const loadedBytes = (await dirBytes(stateDir)).apparent;

  // A backup that reads its manifest and then waits: its snapshot iterator stays open.
  const backup = client.maintenance.backup(node.address);
  expect((await backup.next()).value?.type).toBe('manifest');
  let peakBytes = 0;
  let polling = true;
  const poll = (async () => {
    for (; polling; await sleep(100)) peakBytes = Math.max(peakBytes, (await dirBytes(stateDir)).apparent);
  })();
  const defrag = await client.cluster.defragment(node.address);
  await sleep(2500); // more than two measurements of the quota
  polling = false;
  await poll;
  const heldBytes = (await dirBytes(stateDir)).apparent;
  console.log(`[quota-defrag] loaded ${loadedBytes} B; defragment ${defrag.backendBytesBefore} -> ${defrag.backendBytesAfter} B counted; on disk up to ${peakBytes} B, ${heldBytes} B with the backup still open; quota ${QUOTA_BYTES} B`);
  expect(peakBytes, 'the defragment did not take the directory past the quota: this run proves nothing').toBeGreaterThan(QUOTA_BYTES);
  expect(defrag.backendBytesBefore).toBeLessThan(QUOTA_BYTES);
  expect(defrag.backendBytesAfter).toBeLessThan(QUOTA_BYTES);
  expect((await client.cluster.alarmList()).alarms).toEqual([]);
  await client.put('during', 'x');

  // The backup ends: the member has LevelDB delete the replaced tables (at most 10 measurements later).
  await backup.return(undefined);
  let afterBytes = heldBytes;
  for (let i = 0; i < 150 && afterBytes > QUOTA_BYTES; i++, await sleep(100)) afterBytes = (await dirBytes(stateDir)).apparent;
  console.log(`[quota-defrag] after the backup ended: ${afterBytes} B on disk`);
  expect(afterBytes).toBeLessThan(QUOTA_BYTES);
  expect((await client.cluster.alarmList()).alarms).toEqual([]);
  await client.put('after', 'x');
}, 180_000);
