// A backup file replayed into a LevelDB directory: the snapshot stream its chunks carry is written
// by the state machine's own snapshot reader (which checks its framing, order and end checksum),
// then the result is opened as a state machine and its HashKV, computed from what LevelDB now
// holds, must equal the HashKV the member recorded from the records it streamed. `backup verify`
// does this into a scratch directory; `restore` into the new member's state directory.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SNAPSHOT_END_FRAME_BYTES, SnapshotError, type SnapshotInfo, StateMachine, writeSnapshotDir } from '../state/index.js';
import { BackupCorruptError } from './errors.js';
import type { FileManifest, FileTrailer } from './format.js';
import { type BackupReadOptions, BackupFileReader } from './reader.js';

/** What a replay found: the file's manifest and trailer, and what the replayed state holds. */
export interface ReplayResult {
  path: string;
  manifest: FileManifest;
  trailer: FileTrailer;
  /** The footer's digest (sha256 hex of the file before it), recomputed. */
  digest: string;
  bytes: number;
  info: SnapshotInfo;
  /** HashKV and key count of the replayed state. */
  hashKv: string;
  keys: number;
}

/** Options of a replay. */
export interface ReplayOptions extends BackupReadOptions {
  /** Meta records to store in place of the backup's (writeSnapshotDir's `meta`). */
  meta?: Readonly<Record<string, unknown>>;
  /** Called after each chunk with the file bytes read so far and the file's size. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

/**
 * Replays `path` into a new LevelDB at `dir` and checks it completely (see the file comment);
 * on any failure `dir` is removed and BackupCorruptError (or BackupKeyError, BackupVersionError,
 * an I/O error) is thrown.
 */
export async function replayBackup(path: string, dir: string, opts: ReplayOptions = {}): Promise<ReplayResult> {
  const reader = await BackupFileReader.open(path, opts);
  try {
    const info = await writeSnapshotDir(progressOf(reader, opts.onProgress), dir, opts.meta ? { meta: opts.meta } : {}).catch((err: unknown) => {
      if (!(err instanceof SnapshotError)) throw err;
      const { chunk, offset } = reader.progress;
      throw new BackupCorruptError(path, { part: 'chunk', chunk, offset }, `the snapshot stream is invalid: ${err.message}`);
    });
    try {
      checkAgainstFile(reader, info);
      const sm = await StateMachine.open(dir);
      let h;
      try {
        h = await sm.hashKv();
      } finally {
        await sm.close();
      }
      const t = reader.trailer!;
      if (h.hash !== t.hashKv || h.keys !== t.keyCount) {
        throw new BackupCorruptError(path, { part: 'trailer', offset: 0 }, `the replayed keyspace has HashKV ${h.hash} over ${h.keys} keys; the backup recorded ${t.hashKv} over ${t.keyCount}`);
      }
      return { path, manifest: reader.manifest, trailer: t, digest: reader.digest!, bytes: reader.bytes, info, hashKv: h.hash, keys: h.keys };
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  } finally {
    await reader.close();
  }
}

/** The replayed snapshot must be the one the manifest and trailer describe. */
function checkAgainstFile(reader: BackupFileReader, info: SnapshotInfo): void {
  const m = reader.manifest;
  const t = reader.trailer!;
  const problems: string[] = [];
  if (info.revision !== m.revision || info.appliedIndex !== m.raftIndex || info.appliedTerm !== m.raftTerm) {
    problems.push(`the snapshot is at revision ${info.revision}, index ${info.appliedIndex}, term ${info.appliedTerm}; the manifest says ${m.revision}, ${m.raftIndex}, ${m.raftTerm}`);
  }
  if (info.checksum !== t.snapshotSha256 || info.pairs !== t.records || info.bytes + SNAPSHOT_END_FRAME_BYTES !== t.rawBytes) {
    problems.push(`the snapshot's checksum, records and size (${info.checksum}, ${info.pairs}, ${info.bytes}) differ from the trailer's`);
  }
  if (problems.length > 0) throw new BackupCorruptError(reader.path, { part: 'trailer', offset: 0 }, problems.join('; '));
}

async function* progressOf(reader: BackupFileReader, onProgress: ReplayOptions['onProgress']): AsyncGenerator<Buffer> {
  for await (const chunk of reader.chunks()) {
    onProgress?.(reader.progress.bytesRead, reader.bytes);
    yield chunk;
  }
}

/** What `backup verify` reports for one file. */
export type VerifyResult = ReplayResult & { seconds: number };

/**
 * Verifies a backup completely: checksums, decryption, decompression, manifest, trailer, footer,
 * and a replay into a scratch LevelDB (under `scratchDir`, default the system's temp directory,
 * removed afterwards) whose HashKV must equal the recorded one.
 */
export async function verifyBackup(path: string, opts: BackupReadOptions & { scratchDir?: string; onProgress?: ReplayOptions['onProgress'] } = {}): Promise<VerifyResult> {
  const t0 = performance.now();
  const scratch = await mkdtemp(join(opts.scratchDir ?? tmpdir(), 'raftdb-verify-'));
  try {
    const r = await replayBackup(path, join(scratch, 'state'), opts);
    return { ...r, seconds: (performance.now() - t0) / 1000 };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
