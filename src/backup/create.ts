// Taking a backup: a member's Backup stream written into one backup file. The stream is checked
// as it arrives — the manifest's versions, the snapshot's framing and end checksum, the summary
// against what arrived — so a stream cut short (the member died, a leader change installed a
// snapshot under it) never becomes a file: the partial file is removed and the next member is
// asked, from the start. Only a complete, checked stream is renamed to its .rdbk name.
import { type BackupManifest, type BackupPart, type RaftdbClient, RaftdbError } from '../client/index.js';
import { SNAPSHOT_FORMAT_VERSION, SnapshotError, SnapshotReader } from '../state/index.js';
import { BackupError } from './errors.js';
import { type BackupWriteOptions, BackupFileWriter, codecOptions, type WrittenBackup } from './writer.js';

/** The Backup stream version this raftdb reads (maintenance.proto BackupManifest.format_version). */
export const SUPPORTED_STREAM_VERSION = 1;

/** Options of a backup being taken. */
export interface CreateOptions extends BackupWriteOptions {
  /** Called as data arrives with the snapshot bytes received so far. */
  onProgress?: (bytes: number) => void;
  /** Called with each member's manifest as its stream starts (again for each attempt). */
  onManifest?: (manifest: BackupManifest) => void;
  /**
   * Read at most this many bytes of data per second: the member, the network and this process's
   * compression then take their share of the machines over a longer time (flow control holds
   * the member back). Default: as fast as they go.
   */
  maxBytesPerSecond?: number;
}

const ignoreRecord = (): void => {};

/** Writes one Backup stream into a new file in `dir`; on any failure nothing is left behind. */
export async function writeBackupFromStream(parts: AsyncIterable<BackupPart>, dir: string, opts: CreateOptions = {}): Promise<WrittenBackup> {
  const it = parts[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done || first.value.type !== 'manifest') throw new BackupError('the Backup stream did not start with a manifest');
  const m = first.value.manifest;
  opts.onManifest?.(m);
  if (m.formatVersion !== SUPPORTED_STREAM_VERSION) {
    throw new BackupError(`the member sends Backup stream version ${m.formatVersion}; this raftdb reads version ${SUPPORTED_STREAM_VERSION}: use a raftdb of the member's version`);
  }
  if (m.snapshotFormatVersion !== SNAPSHOT_FORMAT_VERSION) {
    throw new BackupError(`the member sends snapshot format ${m.snapshotFormatVersion}; this raftdb reads version ${SNAPSHOT_FORMAT_VERSION}: use a raftdb of the member's version`);
  }
  const writer = await BackupFileWriter.create(
    dir,
    {
      clusterId: m.clusterId,
      memberId: m.memberId,
      revision: m.revision,
      raftIndex: m.raftIndex,
      raftTerm: m.raftTerm,
      createdAtMs: m.createdAtMs,
      raftdbVersion: m.raftdbVersion,
      snapshotFormatVersion: m.snapshotFormatVersion,
      hashAlgorithm: m.hashAlgorithm,
    },
    opts,
  );
  try {
    const check = new SnapshotReader();
    let received = 0;
    const t0 = performance.now();
    for (;;) {
      const next = await it.next();
      if (next.done) throw new BackupError(`the Backup stream ended after ${received} bytes without its summary`);
      const part = next.value;
      if (part.type === 'data') {
        check.push(part.data, ignoreRecord);
        await writer.write(part.data);
        received += part.data.length;
        opts.onProgress?.(received);
        if (opts.maxBytesPerSecond) {
          const aheadMs = (received / opts.maxBytesPerSecond) * 1000 - (performance.now() - t0);
          if (aheadMs > 1) await new Promise((r) => setTimeout(r, aheadMs));
        }
        continue;
      }
      if (part.type !== 'summary') throw new BackupError('a second manifest in the Backup stream');
      const info = check.finish();
      const s = part.summary;
      if (info.revision !== m.revision || info.appliedIndex !== m.raftIndex || info.appliedTerm !== m.raftTerm) {
        throw new BackupError(`the snapshot is at revision ${info.revision}, index ${info.appliedIndex}; the manifest says ${m.revision}, ${m.raftIndex}`);
      }
      if (info.checksum !== s.snapshotSha256 || info.bytes !== s.snapshotBytes || info.pairs !== s.records) {
        throw new BackupError('the Backup stream\'s summary does not describe the snapshot it carried');
      }
      if (!(await it.next()).done) throw new BackupError('data after the summary of the Backup stream');
      return await writer.finish({ keyCount: s.keyCount, hashKv: s.hashKv, records: s.records, snapshotSha256: s.snapshotSha256, snapshotBytes: s.snapshotBytes });
    }
  } catch (err) {
    await writer.abort();
    throw err;
  } finally {
    await it.return?.();
  }
}

/** A backup taken from a cluster, and the attempts that failed before it. */
export interface ClusterBackup extends WrittenBackup {
  endpoint: string;
  failures: { endpoint: string; error: string }[];
}

/**
 * Takes a backup from the first member that completes one: followers that know a leader first
 * (to keep the work off the leader), then the leader, then the rest. A member that fails midway
 * costs only its attempt: the partial file is removed and the next member starts from scratch.
 */
export async function backupFromCluster(client: RaftdbClient, dir: string, opts: CreateOptions & { signal?: AbortSignal } = {}): Promise<ClusterBackup> {
  codecOptions(opts); // bad options fail here, not once per member
  const statuses = await client.cluster.statusAll({ timeoutMs: 2000 });
  const rank = (s: (typeof statuses)[number]): number => (!s.status ? 2 : s.status.role === 'follower' && s.status.leader ? 0 : s.status.role === 'leader' ? 1 : 2);
  const order = [...statuses].sort((a, b) => rank(a) - rank(b)).map((s) => s.endpoint);
  const failures: { endpoint: string; error: string }[] = [];
  for (const endpoint of order) {
    if (opts.signal?.aborted) break;
    try {
      const written = await writeBackupFromStream(client.maintenance.backup(endpoint, opts.signal ? { signal: opts.signal } : {}), dir, opts);
      return { ...written, endpoint, failures };
    } catch (err) {
      // A local problem (the disk, the options) would fail on every member: stop at once.
      if (!isSourceFailure(err)) throw err;
      failures.push({ endpoint, error: (err as Error).message });
    }
  }
  throw new BackupError(`no member completed a backup: ${failures.map((f) => `${f.endpoint}: ${f.error}`).join('; ') || 'cancelled'}`);
}

/** Failures that another member may not have: the stream broke, or what it carried was wrong. */
function isSourceFailure(err: unknown): boolean {
  return err instanceof BackupError || err instanceof RaftdbError || err instanceof SnapshotError;
}
