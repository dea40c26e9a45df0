import { createReadStream } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Largest snapshot a node accepts from a peer; protects the disk from a runaway sender. */
const MAX_SNAPSHOT_BYTES = 16 * 1024 * 1024 * 1024;

/**
 * Snapshots received from the leader wait here, on disk, until the Raft core decides to install
 * them (it may refuse a stale one). Chunks are stored length-prefixed so they can be replayed to
 * the state machine's restore exactly as they were streamed.
 */
export class SnapshotStaging {
  private readonly staged = new Map<number, string>();

  constructor(private readonly dir: string) {}

  /** Writes the chunks of the snapshot at `index` to disk. */
  async receive(index: number, chunks: AsyncIterable<Uint8Array>): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const path = join(this.dir, `incoming-${index}.snap`);
    const fh = await open(path, 'w');
    let total = 0;
    try {
      const header = Buffer.alloc(4);
      for await (const chunk of chunks) {
        total += chunk.byteLength + 4;
        if (total > MAX_SNAPSHOT_BYTES) throw new Error(`snapshot ${index} exceeds ${MAX_SNAPSHOT_BYTES} bytes`);
        header.writeUInt32BE(chunk.byteLength, 0);
        await fh.write(header);
        await fh.write(chunk);
      }
      await fh.sync();
    } catch (err) {
      await fh.close();
      await rm(path, { force: true });
      throw err;
    }
    await fh.close();
    const old = this.staged.get(index);
    if (old && old !== path) await rm(old, { force: true });
    this.staged.set(index, path);
  }

  has(index: number): boolean {
    return this.staged.has(index);
  }

  /** Replays the staged chunks of `index`; the file is removed once fully read. */
  async *take(index: number): AsyncGenerator<Uint8Array> {
    const path = this.staged.get(index);
    if (!path) throw new Error(`no staged snapshot at index ${index}`);
    this.staged.delete(index);
    let pending: Buffer = Buffer.alloc(0);
    try {
      for await (const buf of createReadStream(path, { highWaterMark: 1 << 20 })) {
        pending = pending.length === 0 ? (buf as Buffer) : Buffer.concat([pending, buf as Buffer]);
        while (pending.length >= 4) {
          const len = pending.readUInt32BE(0);
          if (pending.length < 4 + len) break;
          yield pending.subarray(4, 4 + len);
          pending = pending.subarray(4 + len);
        }
      }
      if (pending.length > 0) throw new Error(`staged snapshot ${index} is truncated`);
    } finally {
      await rm(path, { force: true });
    }
  }

  /** Drops everything staged (startup cleanup). */
  async clear(): Promise<void> {
    this.staged.clear();
    await rm(this.dir, { recursive: true, force: true });
  }
}
