// What a directory takes on disk, for the tests that compare it with the data it holds.
import { dirBytes } from '../../src/bench/disk.js';

/** Bytes of the files under `path`: the larger of their lengths and their allocated blocks. */
export async function diskBytes(path: string): Promise<number> {
  const b = await dirBytes(path);
  return Math.max(b.apparent, b.allocated);
}
