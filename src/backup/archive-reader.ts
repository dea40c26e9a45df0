// Reading a continuous archive for a point-in-time restore: which revisions after a backup the
// segments in a directory cover without a gap, and those revisions in order (segments may overlap
// where two leaders archived the same revisions for a moment; each revision is read once).
import { BackupError } from './errors.js';
import { decodeSegment, parseSegmentName, type TimedRevision } from './archive-format.js';
import type { ArchiveStore } from './archive-store.js';
import type { BackupKey } from './keys.js';

/** A segment file and the revisions its name says it holds. */
export interface SegmentRef {
  name: string;
  first: number;
  last: number;
}

/** The run of segments that covers revisions `from`..`last` without a gap (last = from - 1: none). */
export interface ArchiveCoverage {
  from: number;
  last: number;
  chain: SegmentRef[];
  /** Every segment in the directory, for messages about what else is there. */
  all: SegmentRef[];
}

/** The segments in the store that continue revision by revision from `from`. */
export async function archiveCoverage(store: ArchiveStore, from: number): Promise<ArchiveCoverage> {
  const names = await store.names().catch((err: NodeJS.ErrnoException) => {
    throw new BackupError(`archive ${store.location}: ${err.code === 'ENOENT' ? 'no such directory' : err.message}`);
  });
  const all = names.flatMap((name) => {
    const r = parseSegmentName(name);
    return r ? [{ name, ...r }] : [];
  });
  all.sort((a, b) => a.first - b.first || b.last - a.last);
  const chain: SegmentRef[] = [];
  let next = from;
  for (;;) {
    // Of the segments that hold `next`, the one that reaches furthest.
    let best: SegmentRef | null = null;
    for (const s of all) if (s.first <= next && s.last >= next && (!best || s.last > best.last)) best = s;
    if (!best) break;
    chain.push(best);
    next = best.last + 1;
  }
  return { from, last: next - 1, chain, all };
}

/** Revisions `from`..`to` of the chain, in order, each segment checked as it is read. */
export async function* archivedRevisions(store: ArchiveStore, cov: ArchiveCoverage, to: number, clusterId: string, keys: readonly BackupKey[] = []): AsyncGenerator<TimedRevision> {
  let next = cov.from;
  for (const seg of cov.chain) {
    if (next > to) return;
    const path = store.pathOf(seg.name);
    const { header, revisions } = await decodeSegment(path, await store.read(seg.name), keys);
    if (header.clusterId !== clusterId) throw new BackupError(`archive segment ${path} is from cluster '${header.clusterId}', the backup from '${clusterId}'`);
    if (header.firstRevision !== seg.first || header.lastRevision !== seg.last) throw new BackupError(`archive segment ${path} holds revisions ${header.firstRevision}..${header.lastRevision}, not what its name says`);
    for (const r of revisions) {
      if (r.revision < next) continue; // also in the previous segment
      if (r.revision > to) return;
      yield r;
      next = r.revision + 1;
    }
  }
}

/** The last revision in `from`..`to` applied at or before `atMs` (from - 1 when none), and when it was. */
export async function revisionAtTime(store: ArchiveStore, cov: ArchiveCoverage, to: number, clusterId: string, atMs: number, keys: readonly BackupKey[] = []): Promise<{ revision: number; atMs: number }> {
  let found = { revision: cov.from - 1, atMs: 0 };
  for await (const r of archivedRevisions(store, cov, to, clusterId, keys)) {
    if (r.atMs > atMs) break;
    found = { revision: r.revision, atMs: r.atMs };
  }
  return found;
}
