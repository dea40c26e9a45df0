// `raftdb serve` ends with the nodes' close: a close that fails (the final hard state, the WAL or
// LevelDB could not be closed) or hangs must not end the process with exit 0 and nothing said.
import { describe, expect, it } from 'vitest';
import { closeWithin } from '../../src/cli/node.js';
import { CliFailure } from '../../src/cli/common.js';

describe('closeWithin', () => {
  it('a close that fails is a CliFailure naming the node and why', async () => {
    const nodes = [
      { id: 'n1', close: () => Promise.resolve() },
      { id: 'n2', close: () => Promise.reject(new Error('EIO: i/o error, close')) },
    ];
    const err = await closeWithin(nodes).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(CliFailure);
    expect((err as Error).message).toBe('node(s) did not close cleanly: n2: EIO: i/o error, close');
  });

  it('a close that hangs is a CliFailure after the bound; closes that succeed are quiet', async () => {
    await expect(closeWithin([{ id: 'n1', close: () => new Promise<void>(() => {}) }], 50)).rejects.toThrow('node(s) n1 did not stop within 0.05s');
    await expect(closeWithin([{ id: 'n1', close: () => Promise.resolve() }])).resolves.toBeUndefined();
  });
});
