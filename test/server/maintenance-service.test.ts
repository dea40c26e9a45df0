// The Backup stream of the Maintenance service over real gRPC and a real state machine: it reads
// the snapshot only as fast as the client takes it, lets go of a reader that stalls, counts the
// backups it serves at once, releases its LevelDB snapshot however the stream ends, and holds the
// stream back while the node's event loop is late (src/backup/pacer.ts).
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type BackupPart, type RaftdbClient } from '../../src/client/index.js';
import { Authenticator } from '../../src/auth/index.js';
import { loadRaftdbProto } from '../../src/proto/load.js';
import { nodeTime, OpenStreams, type NodeContext } from '../../src/server/context.js';
import { tolerant } from '../../src/server/decode.js';
import { BACKUP_MESSAGE_BYTES, MAX_CONCURRENT_BACKUPS, maintenanceService } from '../../src/server/maintenance-service.js';
import { type SnapshotStreamOptions, StateMachine, writeSnapshotDir } from '../../src/state/index.js';
import { b, cleanup, entry, tempDir } from '../state/helpers.js';

const VALUE_BYTES = 64 * 1024;
const KEYS = 640; // 40 MiB of values

let dir = '';
let sm: StateMachine;
let server: grpc.Server;
let client: RaftdbClient;
let endpoint = '';
let ctx: NodeContext;
/** Bytes the service pulled from the state machine's snapshot streams, and snapshots still open. */
const pulled = { bytes: 0, open: 0 };

beforeAll(async () => {
  dir = await tempDir();
  sm = await StateMachine.open(`${dir}/state`);
  for (let i = 0; i < KEYS; i += 64) {
    await sm.apply(Array.from({ length: 64 }, (_, j) => entry(i + j + 1, { type: 'put', key: b(`key/${i + j}`), value: Buffer.alloc(VALUE_BYTES, (i + j) % 251) })));
  }
  // The real state machine, counted: how much of each snapshot the handler asked for.
  const real = sm.createSnapshot.bind(sm);
  sm.createSnapshot = async (opts?: SnapshotStreamOptions) => {
    const s = await real(opts);
    pulled.open++;
    const iterate = s[Symbol.asyncIterator].bind(s);
    const close = s.close.bind(s);
    let closed = false;
    const release = (): void => {
      if (!closed) pulled.open--;
      closed = true;
    };
    return Object.assign(s, {
      close: async () => {
        release();
        await close();
      },
      [Symbol.asyncIterator]: async function* () {
        try {
          for await (const c of { [Symbol.asyncIterator]: iterate }) {
            pulled.bytes += c.length;
            yield c;
          }
        } finally {
          release();
        }
      },
    });
  };
  // Auth as a node has it (off until enabled through the log): the handler checks the caller.
  const auth = new Authenticator(sm.auth, { tokenTtlMs: 60_000 });
  ctx = { id: 'n1', time: nodeTime(), sm, auth, defaultTimeoutMs: 10_000, log: pino({ level: 'silent' }), streams: new OpenStreams() } as unknown as NodeContext;
  server = new grpc.Server();
  server.addService(tolerant(loadRaftdbProto().Maintenance.service), maintenanceService(ctx, { clusterId: 'unit', stallTimeoutMs: 1500 }));
  const port = await new Promise<number>((res, rej) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  endpoint = `127.0.0.1:${port}`;
  client = connect({ endpoints: [endpoint] });
});

afterAll(async () => {
  client?.close();
  server?.forceShutdown();
  await sm?.close();
  await cleanup(dir);
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await sleep(20);
  }
}

describe('Maintenance.Backup', () => {
  it('streams a manifest, the snapshot and a summary that restore to the same keyspace', async () => {
    const parts: BackupPart[] = [];
    for await (const p of client.maintenance.backup(endpoint)) parts.push(p);
    expect(parts[0]?.type).toBe('manifest');
    expect(parts.at(-1)?.type).toBe('summary');
    const m = parts[0]!.type === 'manifest' ? parts[0]!.manifest : null;
    expect(m).toMatchObject({ formatVersion: 1, snapshotFormatVersion: 2, clusterId: 'unit', memberId: 'n1', revision: KEYS, raftIndex: KEYS, raftTerm: 1 });
    const data = parts.flatMap((p) => (p.type === 'data' ? [p.data] : []));
    expect(Math.max(...data.map((d) => d.length))).toBeLessThanOrEqual(BACKUP_MESSAGE_BYTES);
    const info = await writeSnapshotDir((async function* () {
      yield* data;
    })(), `${dir}/copy`);
    const summary = parts.at(-1)!.type === 'summary' ? (parts.at(-1) as Extract<BackupPart, { type: 'summary' }>).summary : null;
    expect(summary).toMatchObject({ keyCount: KEYS, snapshotBytes: info.bytes, records: info.pairs, snapshotSha256: info.checksum });
    const copy = await StateMachine.open(`${dir}/copy`);
    expect((await copy.hashKv()).hash).toBe(summary!.hashKv);
    expect((await sm.hashKv()).hash).toBe(summary!.hashKv);
    await copy.close();
    await until(() => pulled.open === 0);
  });

  it('reads the snapshot only as fast as the client takes it', async () => {
    pulled.bytes = 0;
    const it = client.maintenance.backup(endpoint)[Symbol.asyncIterator]();
    expect((await it.next()).value?.type).toBe('manifest');
    // The client takes nothing more for a second: the member must stop pulling from LevelDB once
    // gRPC's buffers on both sides are full (16 messages each, about 8 MiB in all).
    await sleep(1000);
    const whilePaused = pulled.bytes;
    let total = 0;
    for (let r = await it.next(); !r.done; r = await it.next()) if (r.value.type === 'data') total += r.value.data.length;
    console.log(`[backup] pulled ${(whilePaused / 2 ** 20).toFixed(1)} MiB of ${(total / 2 ** 20).toFixed(1)} MiB while the reader paused`);
    expect(total).toBeGreaterThan(KEYS * VALUE_BYTES);
    expect(whilePaused).toBeLessThan(total / 2);
    await until(() => pulled.open === 0);
  });

  it('ends a backup whose reader stalls, and counts backups in flight', async () => {
    const stalled = [0, 1].map(() => client.maintenance.backup(endpoint)[Symbol.asyncIterator]());
    for (const s of stalled) expect((await s.next()).value?.type).toBe('manifest');
    expect(MAX_CONCURRENT_BACKUPS).toBe(2);
    // A third at once is refused.
    await expect(client.maintenance.backup(endpoint).next()).rejects.toMatchObject({ code: 'RESOURCE_EXHAUSTED' });
    // The stalled ones are let go after the stall timeout (1.5 s here), their snapshots released.
    await until(() => pulled.open === 0);
    for (const s of stalled) {
      const err = await (async () => {
        for (let r = await s.next(); !r.done; r = await s.next());
      })().catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    }
    // ... and a new backup is served again.
    let parts = 0;
    for await (const _ of client.maintenance.backup(endpoint)) parts++;
    expect(parts).toBeGreaterThan(2);
  });

  it('releases the snapshot when the client cancels', async () => {
    const abort = new AbortController();
    const it = client.maintenance.backup(endpoint, { signal: abort.signal })[Symbol.asyncIterator]();
    await it.next();
    await it.next();
    expect(pulled.open).toBe(1);
    abort.abort();
    await expect((async () => {
      for (let r = await it.next(); !r.done; r = await it.next());
    })()).rejects.toMatchObject({ code: 'CANCELLED' });
    await until(() => pulled.open === 0);
  });
});

describe('Maintenance.Backup pacing', () => {
  it('sends no data while the event loop is late, and the whole backup once it is on time', async () => {
    const loop = { lateMs: 200 };
    const paced = new grpc.Server();
    paced.addService(
      tolerant(loadRaftdbProto().Maintenance.service),
      maintenanceService(ctx, { clusterId: 'unit', pacing: { loopDelayMs: () => loop.lateMs, lateMs: 10, checkMs: 20, maxPauseMs: 60_000 } }),
    );
    const port = await new Promise<number>((res, rej) => paced.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
    const pacedClient = connect({ endpoints: [`127.0.0.1:${port}`] });
    try {
      const got = { manifest: false, data: 0, summary: false };
      const reading = (async () => {
        for await (const p of pacedClient.maintenance.backup(`127.0.0.1:${port}`)) {
          if (p.type === 'manifest') got.manifest = true;
          else if (p.type === 'data') got.data += p.data.length;
          else got.summary = true;
        }
      })();
      // Unpaced, the 40 MiB stream to a reader on this host is over in well under a second.
      await sleep(800);
      expect(got).toEqual({ manifest: true, data: 0, summary: false });
      loop.lateMs = 0;
      await reading;
      expect(got.data).toBeGreaterThan(KEYS * VALUE_BYTES);
      expect(got.summary).toBe(true);
      await until(() => pulled.open === 0);
    } finally {
      pacedClient.close();
      paced.forceShutdown();
    }
  });
});
