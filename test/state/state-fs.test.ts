// nodeStateFs's append-only files: appends up to INLINE_APPEND_BYTES are written on the calling
// thread, larger ones through the thread pool; interleaved, they must land in order, whole, at the
// end of the file, and the file's size must follow.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INLINE_APPEND_BYTES, nodeStateFs } from '../../src/state/state-fs.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'state-fs-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** `n` bytes of a pattern that tells one chunk from another. */
const chunk = (n: number, seed: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff));

describe('nodeStateFs append files', () => {
  it('interleaved small (inline) and large (thread pool) appends land in order, whole, and are read back', async () => {
    const path = join(dir, 'f');
    const file = await nodeStateFs.openAppendFile(path);
    const appends: Buffer[][] = [
      [chunk(16, 1), chunk(300, 2)],
      [chunk(INLINE_APPEND_BYTES, 3)], // exactly the bound: inline
      [chunk(INLINE_APPEND_BYTES, 4), chunk(1, 5)], // one byte over: the pool
      [chunk(7, 6)],
      [chunk(3 * INLINE_APPEND_BYTES, 7)],
      [chunk(1, 8), chunk(2, 9), chunk(3, 10)],
    ];
    const expected: Buffer[] = [];
    for (const a of appends) {
      await file.append(a);
      expected.push(...a);
      expect(file.size).toBe(Buffer.concat(expected).length);
    }
    const all = Buffer.concat(expected);
    expect((await file.read(0, all.length)).equals(all)).toBe(true);
    await file.close();
    expect(readFileSync(path).equals(all)).toBe(true);

    // Reopened, appends still go to the end of what is there.
    const again = await nodeStateFs.openAppendFile(path);
    expect(again.size).toBe(all.length);
    await again.append([chunk(10, 11)]);
    await again.close();
    expect(readFileSync(path).equals(Buffer.concat([all, chunk(10, 11)]))).toBe(true);
  });

  it('an append to a closed file fails instead of writing nothing silently', async () => {
    const file = await nodeStateFs.openAppendFile(join(dir, 'g'));
    await file.close();
    await expect(file.append([chunk(10, 1)])).rejects.toThrow();
    await expect(file.append([chunk(2 * INLINE_APPEND_BYTES, 1)])).rejects.toThrow();
  });
});
