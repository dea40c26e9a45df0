// One watch history segment file held open: what the log appends to and reads (history-log.ts),
// and what its open finds on disk (history-open.ts).
import type { AppendFile, StateFs } from './state-fs.js';

/** Most bytes one read of the files asks for (at least one whole record). */
export const READ_CHUNK_BYTES = 1024 * 1024;

/** A segment file and what is known of its records. */
export interface Segment {
  first: number;
  path: string;
  file: AppendFile;
  /** Offset of each record, the record of revision first + i at offsets[i]. */
  offsets: number[];
  /** The epoch at which every revision of it was dropped (not yet unlinked); 0 while live. */
  releasedAt: number;
  /** Bytes known durable (synced by this instance); sync() syncs the live segments past it. */
  syncedBytes: number;
}

/** The last revision it holds (first - 1 while it holds none). */
export function lastOf(s: Segment): number {
  return s.first + s.offsets.length - 1;
}

/** Closes and deletes a segment's file; returns its record count. */
export async function removeSegment(fs: StateFs, s: Segment): Promise<number> {
  await s.file.close().catch(() => undefined);
  await fs.rm(s.path);
  return s.offsets.length;
}
