// What a directory takes on disk, for the tests that compare it with the data it holds.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Bytes the files directly in `path` take: for each, the larger of its length and its allocated
 * blocks (a sparse file counts its length). A file deleted meanwhile (LevelDB compacting) counts 0.
 */
export async function diskBytes(path: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(path)) {
    const s = await stat(join(path, name)).catch(() => null);
    if (s) total += Math.max(s.size, s.blocks * 512);
  }
  return total;
}
