// The state machine and its watch history files together (history-log.ts, watch-log.ts): records
// left ahead of the state by a crash are cut and written again by the replay, a history that lost
// its tail restarts after the state's revision (watches and past reads see a compaction, never a
// wrong change), segments go as the bounds drop them, and a directory written by a version that
// kept the history in LevelDB is moved over at open.
import { readdir, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { Level } from 'level';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CompactedError } from '../../src/state/errors.js';
import { HistoryLog, segmentName } from '../../src/state/history-log.js';
import { PREFIX_WATCH, watchKey } from '../../src/state/keys.js';
import { nodeStateFs } from '../../src/state/state-fs.js';
import { StateMachine } from '../../src/state/state-machine.js';
import { b, cleanup, entry, plain, tempDir } from './helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await cleanup(dir);
});

const puts = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => entry(from + k, { type: 'put', key: b(`k/${(from + k) % 5}`), value: b(`v${from + k}`) }));

async function histFiles(path: string): Promise<string[]> {
  return (await readdir(path)).filter((n) => n.endsWith('.hist')).sort();
}

describe('the watch history in its own files', () => {
  it('keeps no history record in LevelDB', async () => {
    const sm = await StateMachine.open(`${dir}/db`);
    await sm.apply(puts(1, 30));
    await sm.close();
    const db = new Level<Buffer, Buffer>(`${dir}/db`, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    await db.open();
    const keys = await db.keys({ gte: Buffer.from([PREFIX_WATCH]), lt: Buffer.from([PREFIX_WATCH + 1]) }).all();
    await db.close();
    expect(keys).toEqual([]);
    expect(await histFiles(`${dir}/db`)).toEqual([segmentName(1)]);
  });

  it('cuts records a crash left past the state and has the replayed ones instead', async () => {
    let sm = await StateMachine.open(`${dir}/db`);
    await sm.apply(puts(1, 10));
    const before = plain((await sm.changesSince(1)).events);
    await sm.close();
    // As if the next apply had appended its records and died before LevelDB wrote its batch.
    const { log } = await HistoryLog.open(nodeStateFs, `${dir}/db`, 10, 1024 * 1024);
    await log.append([{ revision: 11, body: Buffer.from([0x90]) }, { revision: 12, body: Buffer.from([0x90]) }]);
    await log.close();
    sm = await StateMachine.open(`${dir}/db`);
    expect(sm.revision()).toBe(10);
    expect(plain((await sm.changesSince(1)).events)).toEqual(before);
    await sm.apply(puts(11, 12)); // the replay of the Raft log
    const events = (await sm.changesSince(11)).events;
    expect(events.map((e) => [e.kv.modRevision, Buffer.from(e.kv.value).toString()])).toEqual([
      [11, 'v11'],
      [12, 'v12'],
    ]);
    await sm.close();
  });

  it('restarts the history after the state when its files lost the tail: a compaction, not a wrong answer', async () => {
    let sm = await StateMachine.open(`${dir}/db`);
    await sm.apply(puts(1, 10));
    await sm.close();
    const file = join(`${dir}/db`, segmentName(1));
    await truncate(file, (await stat(file)).size - 5); // revision 10's record torn: a power cut
    sm = await StateMachine.open(`${dir}/db`);
    expect(sm.revision()).toBe(10);
    const err = await sm.changesSince(5).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CompactedError);
    expect((err as CompactedError).oldestRevision).toBe(11);
    await expect(sm.range({ key: b('k/1') }, { revision: 9 })).rejects.toThrow(CompactedError);
    await sm.apply(puts(11, 13));
    expect((await sm.changesSince(11)).events.map((e) => e.kv.modRevision)).toEqual([11, 12, 13]);
    expect((await sm.range({ key: b('k/1') }, { revision: 11 })).kvs.map((kv) => Buffer.from(kv.value).toString())).toEqual(['v11']);
    await sm.close();
  });

  it('unlinks segments as the revision bound drops them, and the history reads the same after reopen', async () => {
    let sm = await StateMachine.open(`${dir}/db`, { watchHistoryRevisions: 50, watchHistorySegmentBytes: 2048 });
    for (let i = 1; i <= 400; i += 10) await sm.apply(puts(i, i + 9));
    const files = sm.watchHistoryFiles();
    // 50 revisions of about 60 bytes each: a few segments, not the ~12 that 400 revisions filled.
    expect(files.segments).toBeLessThanOrEqual(4);
    expect((await histFiles(`${dir}/db`)).length).toBe(files.segments);
    const events = plain((await sm.changesSince(351)).events);
    await expect(sm.changesSince(350)).rejects.toThrow(CompactedError);
    await sm.close();
    sm = await StateMachine.open(`${dir}/db`, { watchHistoryRevisions: 50, watchHistorySegmentBytes: 2048 });
    expect(plain((await sm.changesSince(351)).events)).toEqual(events);
    await sm.close();
  });

  it('moves the records of a directory that kept its history in LevelDB into the files', async () => {
    let sm = await StateMachine.open(`${dir}/db`);
    await sm.apply(puts(1, 40));
    const events = plain((await sm.changesSince(1)).events);
    const asOf = plain((await sm.range({ key: b('k/'), rangeEnd: b('k0') }, { revision: 17 })).kvs);
    await sm.close();
    // Rewrite the directory as the earlier version left it: 'w' records in LevelDB, no files.
    const { log } = await HistoryLog.open(nodeStateFs, `${dir}/db`, 40, 1024 * 1024);
    const db = new Level<Buffer, Buffer>(`${dir}/db`, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    await db.open();
    for await (const r of log.read(1, 40)) await db.put(watchKey(r.revision), Buffer.from(r.body));
    await log.close();
    await db.close();
    for (const f of await histFiles(`${dir}/db`)) await nodeStateFs.rm(join(`${dir}/db`, f));

    sm = await StateMachine.open(`${dir}/db`);
    expect(plain((await sm.changesSince(1)).events)).toEqual(events);
    expect(plain((await sm.range({ key: b('k/'), rangeEnd: b('k0') }, { revision: 17 })).kvs)).toEqual(asOf);
    await sm.apply(puts(41, 41));
    expect((await sm.changesSince(40)).events.map((e) => e.kv.modRevision)).toEqual([40, 41]);
    await sm.close();
    const check = new Level<Buffer, Buffer>(`${dir}/db`, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    await check.open();
    const left = await check.keys({ gte: Buffer.from([PREFIX_WATCH]), lt: Buffer.from([PREFIX_WATCH + 1]) }).all();
    await check.close();
    expect(left).toEqual([]);
  });

  it('a defragment after a compact gives back the current segment\'s space', async () => {
    const sm = await StateMachine.open(`${dir}/db`);
    for (let i = 1; i <= 200; i += 20) {
      await sm.apply(Array.from({ length: 20 }, (_, k) => entry(i + k, { type: 'put', key: b(`big/${(i + k) % 7}`), value: Buffer.alloc(8 * 1024, i + k) })));
    }
    const before = sm.watchHistoryFiles().bytes;
    expect(before).toBeGreaterThan(200 * 8 * 1024);
    await sm.apply([entry(201, { type: 'compact', revision: 200 })]);
    expect(sm.watchHistoryFiles().bytes).toBe(before); // the current segment is kept until full...
    await sm.compactStorage();
    expect(sm.watchHistoryFiles().bytes).toBeLessThan(3 * 8 * 1024); // ...or defragmented
    expect((await sm.changesSince(200)).events.map((e) => e.kv.modRevision)).toEqual([200]);
    await sm.close();
  });
});
