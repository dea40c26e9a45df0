// The Maintenance service (proto/raftdb/v1/maintenance.proto): Backup and HashKV. Both read this
// node's own state machine, like a SERIALIZABLE read, and never touch the Raft log. With auth on
// both need root, as etcd's Snapshot and HashKV do (a backup holds every key and value); HashKV
// also answers a member proven by its peer certificate (the corruption check of the others).
// Backups are audited as admin actions, HashKV refusals like refused reads.
import * as grpc from '@grpc/grpc-js';
import { HASH_KV_ALGORITHM } from '../state/index.js';
import { localBackupParts } from '../backup/local-source.js';
import { requireRoot } from './access.js';
import { audited } from './audit.js';
import { BackupPacer, type BackupPacing, pacedParts } from '../backup/pacer.js';
import { callerOf } from './caller.js';
import { caughtUp } from './caught-up.js';
import { deadlineOf, header, unary, type IncomingCall, type NodeContext } from './context.js';
import { checkDecoded } from './decode.js';
import { RequestError, toServiceError } from './errors.js';

/** Backups one node streams at once: each holds a LevelDB snapshot (old tables stay on disk). */
export const MAX_CONCURRENT_BACKUPS = 2;
/** HashKV calls one node runs at once: each reads the whole keyspace. */
export const MAX_CONCURRENT_HASHES = 2;
/**
 * Bytes of snapshot data per message. gRPC buffers up to 16 messages on each side of a paused
 * stream, so this bounds what a stalled reader holds in memory: about 8 MiB per backup here
 * (measured 30 MiB with 1 MiB messages).
 */
export const BACKUP_MESSAGE_BYTES = 256 * 1024;
/**
 * A client that reads nothing for this long loses its backup: the LevelDB snapshot it pins keeps
 * replaced table files on disk, so it must not be held by a reader that went away silently.
 */
export const BACKUP_STALL_TIMEOUT_MS = 60_000;

/** What the service says about the cluster in a backup manifest. */
export interface MaintenanceInfo {
  clusterId: string;
  /** The longest a Backup stream waits for its reader (default BACKUP_STALL_TIMEOUT_MS). */
  stallTimeoutMs?: number;
  /** How Backup streams yield to the node's foreground work (src/backup/pacer.ts); absent: never. */
  pacing?: BackupPacing;
}

/** The Maintenance service's handlers. */
export function maintenanceService(ctx: NodeContext, info: MaintenanceInfo): grpc.UntypedServiceImplementation {
  const running = { backups: 0, hashes: 0 };
  return {
    Backup: (call: grpc.ServerWritableStream<unknown, object>): void => {
      void backup(ctx, info, running, call);
    },
    HashKV: unary<{ revision: number }, object>(ctx, async (call) => {
      const revision = Number(call.request.revision);
      if (!Number.isSafeInteger(revision) || revision < 0) throw new RequestError(grpc.status.INVALID_ARGUMENT, 'revision: must be a non-negative integer');
      const c = call as unknown as IncomingCall;
      return audited(ctx, c, 'HashKV', 'read', { subject: String(revision) }, async () => {
        if (!ctx.auth.isMemberCertificate(callerOf(c).certificate)) await requireRoot(ctx, c, deadlineOf(ctx, c), 'hash kv');
        if (running.hashes >= MAX_CONCURRENT_HASHES) throw busy(`${running.hashes} HashKV calls already run on ${ctx.id}`);
        running.hashes++;
        try {
          const h = await ctx.sm.hashKv(revision);
          return { header: header(ctx), hash: h.hash, revision: h.revision, compactRevision: h.compactRevision, keyCount: h.keys, algorithm: HASH_KV_ALGORITHM };
        } finally {
          running.hashes--;
        }
      });
    }),
  };
}

function busy(why: string): RequestError {
  return new RequestError(grpc.status.RESOURCE_EXHAUSTED, `${why}; retry later`);
}

/** Streams one backup: manifest, snapshot bytes (as the reader takes them), summary. */
async function backup(ctx: NodeContext, info: MaintenanceInfo, running: { backups: number }, call: grpc.ServerWritableStream<unknown, object>): Promise<void> {
  const abort = new AbortController();
  const forget = ctx.streams.add((err) => abort.abort(err));
  call.on('cancelled', () => abort.abort(new RequestError(grpc.status.CANCELLED, 'backup cancelled by the client')));
  let counted = false;
  const c = call as unknown as IncomingCall;
  try {
    checkDecoded(call.request);
    await audited(ctx, c, 'Backup', 'admin', { subject: ctx.id }, async () => {
      await requireRoot(ctx, c, deadlineOf(ctx, c), 'backup');
      if (running.backups >= MAX_CONCURRENT_BACKUPS) throw busy(`${running.backups} backups already stream from ${ctx.id}`);
      running.backups++;
      counted = true;
      const out = new Outbox(call, abort.signal, info.stallTimeoutMs ?? BACKUP_STALL_TIMEOUT_MS);
      const pacer = info.pacing ? new BackupPacer(info.pacing) : null;
      // A backup taken from a follower right after a write holds it (caught-up.ts); a cluster
      // without a leader (the backup that matters most in a disaster) gets the member's own state,
      // with a warning: the manifest's revision says what it holds.
      await caughtUp(ctx, 'backup');
      let revision = 0;
      // The parts generator holds a LevelDB snapshot; leaving the loop in any way releases it.
      // Foreground work first: each data message waits while the event loop is late.
      const parts = pacedParts(localBackupParts(ctx.sm, { clusterId: info.clusterId, memberId: ctx.id, messageBytes: BACKUP_MESSAGE_BYTES }), pacer, abort.signal);
      for await (const part of parts) {
        if (part.type === 'manifest') revision = part.manifest.revision;
        await out.write(part.type === 'manifest' ? { manifest: part.manifest } : part.type === 'data' ? { data: part.data } : { summary: part.summary });
        if (part.type === 'summary') ctx.log.info({ revision, bytes: part.summary.snapshotBytes, keys: part.summary.keyCount, pauses: pacer?.stats.pauses ?? 0, pausedMs: Math.round(pacer?.stats.pausedMs ?? 0) }, 'backup streamed');
      }
    });
    call.end();
  } catch (err) {
    const reason: unknown = abort.signal.aborted ? abort.signal.reason : err;
    ctx.log.warn({ err: (reason as Error)?.message ?? String(reason) }, 'backup not completed');
    if (!call.cancelled) call.emit('error', toServiceError(reason));
  } finally {
    if (counted) running.backups--;
    forget();
  }
}


/**
 * Writes to a server stream with back-pressure: when gRPC's buffer is full, waits for it to
 * drain, at most `stallMs`; fails at once when the call is cancelled or the node shuts down.
 */
class Outbox {
  constructor(
    private readonly call: grpc.ServerWritableStream<unknown, object>,
    private readonly signal: AbortSignal,
    private readonly stallMs: number,
  ) {}

  async write(message: object): Promise<void> {
    if (this.signal.aborted) throw this.signal.reason;
    if (this.call.write(message)) return;
    await new Promise<void>((resolve, reject) => {
      const done = (err: unknown): void => {
        clearTimeout(timer);
        this.call.off('drain', onDrain);
        this.signal.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      const onDrain = (): void => done(null);
      const onAbort = (): void => done(this.signal.reason);
      const timer = setTimeout(() => done(new RequestError(grpc.status.DEADLINE_EXCEEDED, `the backup reader took nothing for ${this.stallMs} ms`)), this.stallMs);
      this.call.on('drain', onDrain);
      this.signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
