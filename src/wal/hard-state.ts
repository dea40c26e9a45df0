// HardState and SnapshotMeta on disk: one small file with two fixed 4 KiB slots written in turn.
//
// Why not a record in the log: segments are truncated and deleted (suffix truncation, compaction),
// and a vote record cut away by a truncation whose ftruncate reached disk before the rewritten
// record would let the node vote twice in a term. Why not temp file + rename: that costs a file
// fsync, a rename and a directory fsync per save (three sequential syncs) and HardState changes
// with nearly every batch (commit index). Two slots written in place (LMDB meta pages, TigerBeetle
// superblock copies) cost one synchronous pwrite (the file is open with O_DSYNC), made just before
// the log's part of the same batch, and a torn write destroys at most the slot being written,
// never the last good one.
//
//   slot = magic u32 | version u16 | reserved u16 | seq u64 | length u32 | crc u32 | payload
//   crc  = CRC-32 of bytes 0..19 followed by the payload; payload = msgpack { hs, snapshot }.
// The slot with the highest valid seq wins; a save goes to slot (seq + 1) % 2.
import path from 'node:path';
import { Packr } from 'msgpackr';
import type { Disk, DiskFile } from '../disk/disk.js';
import type { HardState, SnapshotMeta } from '../raft/types.js';
import { WalCorruptionError, WalStateLostError } from './errors.js';
import { crc32 } from './record.js';
import type { WalRepair } from './recovery.js';

export const STATE_FILE_NAME = 'state.bin';
const SLOT_BYTES = 4096; // one page: a torn write cannot spill into the other slot
const SLOT_HEADER_BYTES = 24;
const STATE_MAGIC = 0x54535752; // "RWST" read as little-endian u32
const STATE_VERSION = 1;

const packr = new Packr({ useRecords: false });

/** What the state file holds. */
export interface DurableState {
  hardState: HardState;
  snapshot: SnapshotMeta | null;
}

/** The state of a node that never saved anything. */
export const INITIAL_STATE: DurableState = { hardState: { term: 0, vote: null, commit: 0 }, snapshot: null };

function encodeSlot(state: DurableState, seq: number): Buffer {
  const payload = packr.pack({ hs: state.hardState, snapshot: state.snapshot });
  if (payload.length > SLOT_BYTES - SLOT_HEADER_BYTES) {
    throw new RangeError(`hard state + snapshot meta encode to ${payload.length} bytes, over the slot size`);
  }
  const slot = Buffer.alloc(SLOT_BYTES);
  slot.writeUInt32LE(STATE_MAGIC, 0);
  slot.writeUInt16LE(STATE_VERSION, 4);
  slot.writeBigUInt64LE(BigInt(seq), 8);
  slot.writeUInt32LE(payload.length, 16);
  payload.copy(slot, SLOT_HEADER_BYTES);
  slot.writeUInt32LE(crc32(payload, crc32(slot.subarray(0, 20))), 20);
  return slot;
}

type SlotRead = { seq: number; state: DurableState } | { error: string; blank: boolean };

function decodeSlot(slot: Buffer): SlotRead {
  const blank = slot.every((b) => b === 0);
  if (slot.length < SLOT_BYTES) return { error: 'incomplete slot', blank };
  if (slot.readUInt32LE(0) !== STATE_MAGIC) return { error: 'bad magic', blank };
  const len = slot.readUInt32LE(16);
  if (len > SLOT_BYTES - SLOT_HEADER_BYTES) return { error: 'bad length', blank };
  const payload = slot.subarray(SLOT_HEADER_BYTES, SLOT_HEADER_BYTES + len);
  if (crc32(payload, crc32(slot.subarray(0, 20))) !== slot.readUInt32LE(20)) return { error: 'CRC mismatch', blank };
  if (slot.readUInt16LE(4) !== STATE_VERSION) return { error: 'unsupported version', blank };
  const v = packr.unpack(payload) as { hs: HardState; snapshot: SnapshotMeta | null };
  return { seq: Number(slot.readBigUInt64LE(8)), state: { hardState: v.hs, snapshot: v.snapshot ?? null } };
}

/** The two-slot state file of one WAL directory. */
export class StateFile {
  private constructor(
    readonly path: string,
    private readonly fh: DiskFile,
    private seq: number,
  ) {}

  /** Opens (creating atomically if absent) the state file; `repairs` notes a damaged slot. */
  static async open(disk: Disk, dir: string): Promise<{ file: StateFile; state: DurableState; repairs: WalRepair[] }> {
    const file = path.join(dir, STATE_FILE_NAME);
    let fh: DiskFile;
    const mode = { write: true, dsync: true };
    try {
      fh = await disk.open(file, mode);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await refuseLostState(disk, dir, file);
      await syncAncestors(disk, dir);
      await createStateFile(disk, dir, file);
      fh = await disk.open(file, mode);
    }
    // The file is created whole and only ever rewritten in place: a short one was cut by
    // something else, and the newest term and vote may be what was cut (found by fuzzing: a
    // state.bin cut inside slot 0 came back silently with the initial term and no vote).
    const size = await fh.sizeBytes();
    if (size < 2 * SLOT_BYTES) {
      await fh.close();
      throw new WalCorruptionError(
        file,
        size,
        `the state file ends after ${size} of ${2 * SLOT_BYTES} bytes: it was cut short, and the term and vote it held may be lost (starting could let this node vote twice in one term). Restore the file, or remove this member (raftdb member remove), delete its data directory and add it again`,
      );
    }
    const buf = Buffer.alloc(2 * SLOT_BYTES);
    await fh.read(buf, 0, buf.length, 0);
    const slots = [decodeSlot(buf.subarray(0, SLOT_BYTES)), decodeSlot(buf.subarray(SLOT_BYTES))];
    const repairs: WalRepair[] = [];
    let best: { seq: number; state: DurableState } | null = null;
    for (const s of slots) if (!('error' in s) && (best === null || s.seq > best.seq)) best = s;
    for (const [i, s] of slots.entries()) {
      // Slot 1 is blank until the first save; once the other slot holds a save (seq >= 1), a
      // blank slot was zeroed, and it may have held the newest state: report it.
      if ('error' in s && (!s.blank || (best !== null && best.seq >= 1))) {
        const reason = `slot ${i} ignored (${s.error}${s.blank ? ', all zeros' : ''}); a torn save, or the newest state was lost`;
        repairs.push({ file, offset: i * SLOT_BYTES, action: 'ignored', reason, droppedBytes: 0 });
      }
    }
    if (best === null) {
      await fh.close();
      throw new WalCorruptionError(file, 0, 'no valid hard-state slot');
    }
    return { file: new StateFile(file, fh, best.seq), state: best.state, repairs };
  }

  /**
   * Durably replaces the state: one O_DSYNC pwrite into the older slot, on the calling thread.
   * Saves are rare (a new term or vote, a snapshot point) and sit on an election's critical
   * path (candidate and voters persist before they send): a thread-pool write plus a thread-pool
   * fdatasync took 0.7-2 ms there on the development VM, one synchronous O_DSYNC write ~0.15 ms.
   */
  async write(state: DurableState): Promise<void> {
    const seq = this.seq + 1;
    const slot = encodeSlot(state, seq);
    const n = this.fh.writeSync(slot, 0, SLOT_BYTES, (seq % 2) * SLOT_BYTES);
    // write(2) on a regular file is short only when the disk (or the file size limit) is full.
    if (n !== SLOT_BYTES) throw Object.assign(new Error(`ENOSPC: short write of a state slot (${n} of ${SLOT_BYTES} bytes)`), { code: 'ENOSPC' });
    this.seq = seq;
  }

  /** Closes the file. */
  async close(): Promise<void> {
    await this.fh.close();
  }
}

/**
 * A new WAL directory (and any parent that mkdir -p just made) is a name in its parent, durable
 * only once the parent is fsynced: without this, a power cut after the first acknowledged write
 * can take the whole directory away. Runs while state.bin does not exist yet, so a crash before
 * the state file is in place runs it again at the next open.
 */
async function syncAncestors(disk: Disk, dir: string): Promise<void> {
  for (let d = path.resolve(dir); d !== path.dirname(d); d = path.dirname(d)) await disk.syncDir(path.dirname(d));
}

/** temp + fsync + rename + fsync(dir): a crash never leaves a state file without a valid slot. */
/**
 * A log without its state file has lost the node's term and vote: started with term 0 and no
 * vote, the node could vote a second time in a term it already voted in, and two leaders could be
 * elected in one term. Only a new, empty log may get a fresh state file.
 */
async function refuseLostState(disk: Disk, dir: string, file: string): Promise<void> {
  const segments = (await disk.readdir(dir)).filter((n) => n.endsWith('.wal'));
  if (segments.length === 0) return;
  throw new WalStateLostError(
    `${file} is missing but the log holds ${segments.length} segment file(s): this node's term and vote are lost, and starting it could let it vote twice in one term. ` +
      'Restore the file from where it was, or remove this member (raftdb member remove), delete its data directory and add it again.',
  );
}

async function createStateFile(disk: Disk, dir: string, file: string): Promise<void> {
  const tmp = `${file}.tmp`;
  const fh = await disk.open(tmp, { write: true, create: true, truncate: true });
  try {
    const content = Buffer.concat([encodeSlot(INITIAL_STATE, 0), Buffer.alloc(SLOT_BYTES)]);
    await fh.write(content, 0, content.length, 0);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await disk.rename(tmp, file);
  await disk.syncDir(dir);
}
