// The maintenance API (raftdb.v1.Maintenance): backups and keyspace hashes of one member.
import * as grpc from '@grpc/grpc-js';
import type { EndpointPool } from './endpoints.js';
import { RaftdbError, invalidArgument, toRaftdbError } from './errors.js';
import type { CallPolicy, Invoker } from './invoke.js';
import type { CallOptions } from './kv.js';
import { type TokenSource, tokenMetadata } from './tokens.js';
import { type ResponseHeader, header } from './types.js';
import type { WireHeader } from './wire.js';

/** What a backup holds, sent before its data (maintenance.proto BackupManifest). */
export interface BackupManifest {
  formatVersion: number;
  snapshotFormatVersion: number;
  clusterId: string;
  memberId: string;
  revision: number;
  raftIndex: number;
  raftTerm: number;
  createdAtMs: number;
  raftdbVersion: string;
  hashAlgorithm: string;
  /** The member's estimate of the data's size, for progress only. */
  estimatedBytes: number;
}

/** What a backup's data added up to, sent after it (maintenance.proto BackupSummary). */
export interface BackupSummary {
  keyCount: number;
  hashKv: string;
  snapshotBytes: number;
  records: number;
  snapshotSha256: string;
}

/** One message of a Backup stream, in order: a manifest, data, a summary. */
export type BackupPart = { type: 'manifest'; manifest: BackupManifest } | { type: 'data'; data: Buffer } | { type: 'summary'; summary: BackupSummary };

/** A member's HashKV answer. */
export interface HashKvResult {
  hash: string;
  revision: number;
  compactRevision: number;
  keyCount: number;
  algorithm: string;
  header: ResponseHeader;
}

type WireChunk = { part?: string; manifest?: BackupManifest | null; data?: Buffer; summary?: BackupSummary | null };

/** Maintenance operations of a client; reached as `client.maintenance`. */
export class MaintenanceApi {
  constructor(
    private readonly invoker: Invoker,
    private readonly pool: EndpointPool,
    private readonly defaultTimeoutMs: number,
    /** With auth (connect's `auth`): a backup stream carries the token as unary calls do. */
    private readonly tokens?: TokenSource,
  ) {}

  /** HashKV of one member (`endpoint`) or of any reachable one, at `revision` (0: its current). */
  async hashKv(q: { revision?: number } = {}, opts: CallOptions & { endpoint?: string } = {}): Promise<HashKvResult> {
    const revision = q.revision ?? 0;
    if (!Number.isSafeInteger(revision) || revision < 0) throw invalidArgument('revision must be a non-negative integer');
    const policy: CallPolicy = { kind: 'read', route: 'any', timeoutMs: opts.timeoutMs ?? this.defaultTimeoutMs };
    if (opts.endpoint !== undefined) policy.endpoint = opts.endpoint;
    const w = await this.invoker.unary<Omit<HashKvResult, 'header'> & { header: WireHeader | null }>('maintenance', 'HashKV', { revision }, policy);
    return { ...w, header: header(w.header) };
  }

  /**
   * Streams a backup from the member at `endpoint`: its manifest, then the snapshot bytes (read
   * only as fast as the caller consumes them), then its summary. Breaking out of the loop, or
   * `signal`, cancels the call. No retry here: a broken backup is restarted by the caller.
   */
  async *backup(endpoint: string, opts: { signal?: AbortSignal } = {}): AsyncGenerator<BackupPart, void, undefined> {
    const stub = this.pool.stubs(endpoint).maintenance as unknown as { Backup(req: object, md: grpc.Metadata): grpc.ClientReadableStream<WireChunk> };
    const token = this.tokens ? await this.tokens.get().catch((err: unknown) => Promise.reject(toRaftdbError(err))) : null;
    const call = stub.Backup({}, tokenMetadata(token));
    const cancel = (): void => call.cancel();
    opts.signal?.addEventListener('abort', cancel, { once: true });
    try {
      // A Readable's async iterator pauses the stream while the caller works: HTTP/2 flow control
      // then holds the member back.
      for await (const m of call as AsyncIterable<WireChunk>) yield toPart(m);
    } catch (err) {
      if (opts.signal?.aborted) throw new RaftdbError(grpc.status.CANCELLED, `backup from ${endpoint} cancelled`);
      const e = toRaftdbError(err);
      // A token a node refused (expired, rotated key) is not offered again: the caller's retry authenticates anew.
      if (e.code === 'UNAUTHENTICATED') this.tokens?.invalidate(token);
      throw e;
    } finally {
      opts.signal?.removeEventListener('abort', cancel);
      call.cancel();
    }
  }
}

function toPart(m: WireChunk): BackupPart {
  if (m.part === 'manifest' && m.manifest) return { type: 'manifest', manifest: m.manifest };
  if (m.part === 'data' && m.data) return { type: 'data', data: m.data };
  if (m.part === 'summary' && m.summary) return { type: 'summary', summary: m.summary };
  throw new RaftdbError(grpc.status.DATA_LOSS, `backup stream message without a part (${String(m.part)})`);
}
