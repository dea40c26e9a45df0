// A Backup stream read from a state machine in this process: what the Maintenance service sends a
// remote client, and what a scheduled backup writes locally. One definition of the stream's
// content: the manifest, the snapshot bytes in messages of at most `messageBytes`, the summary
// with the HashKV computed from the very records streamed.
import type { BackupPart } from '../client/index.js';
import { HASH_KV_ALGORITHM, KvHasher, SNAPSHOT_FORMAT_VERSION, type StateMachine } from '../state/index.js';
import { RAFTDB_VERSION } from '../version.js';

/** Version of the Backup stream's own messages (manifest and summary). */
export const BACKUP_STREAM_VERSION = 1;

/**
 * The Backup stream of `sm`'s current state, read from one LevelDB snapshot. Breaking out of the
 * loop (or an error) releases the snapshot.
 */
export async function* localBackupParts(sm: StateMachine, o: { clusterId: string; memberId: string; messageBytes: number }): AsyncGenerator<BackupPart> {
  // Only sizes the progress bar (0: unknown); the snapshot read below reports a failing database.
  const estimatedBytes = await sm.approximateBytes().catch(() => 0);
  const hasher = new KvHasher();
  const stream = await sm.createSnapshot({ hasher });
  try {
    yield {
      type: 'manifest',
      manifest: {
        formatVersion: BACKUP_STREAM_VERSION,
        snapshotFormatVersion: SNAPSHOT_FORMAT_VERSION,
        clusterId: o.clusterId,
        memberId: o.memberId,
        revision: stream.revision,
        raftIndex: stream.appliedIndex,
        raftTerm: stream.appliedTerm,
        createdAtMs: Date.now(),
        raftdbVersion: RAFTDB_VERSION,
        hashAlgorithm: HASH_KV_ALGORITHM,
        estimatedBytes,
      },
    };
    for await (const chunk of stream) {
      for (let off = 0; off < chunk.length; off += o.messageBytes) yield { type: 'data', data: Buffer.from(chunk.buffer, chunk.byteOffset + off, Math.min(o.messageBytes, chunk.length - off)) };
    }
    const end = stream.info();
    if (!end) throw new Error('the snapshot stream ended without its end frame');
    const d = hasher.digest();
    yield { type: 'summary', summary: { keyCount: d.keys, hashKv: d.hash, snapshotBytes: end.bytes, records: end.pairs, snapshotSha256: end.checksum } };
  } finally {
    await stream.close();
  }
}
