// Which errors the state machine reports as a storage failure (fatal with the directory, fatal.ts):
// only those its LevelDB binding raised; its own errors and bugs keep their class.
import { describe, expect, it } from 'vitest';
import { StateInvariantError, StateStorageError } from '../../src/state/index.js';
import { storageError } from '../../src/state/errors.js';

describe('storageError', () => {
  it('wraps an error LevelDB raised (code LEVEL_*) with the directory; a full disk is told by its errno text', () => {
    const io = Object.assign(new Error('IO error: /d/state/000007.ldb: No space left on device'), { code: 'LEVEL_IO_ERROR' });
    const e = storageError('/d/state', 'apply', io);
    expect(e).toBeInstanceOf(StateStorageError);
    expect(e).toMatchObject({ path: '/d/state', op: 'apply', diskFull: true, cause: io });
    const corrupt = Object.assign(new Error('Corruption: bad block'), { code: 'LEVEL_CORRUPTION' });
    expect(storageError('/d/state', 'apply', corrupt)).toMatchObject({ diskFull: false, path: '/d/state' });
  });

  it('leaves the state machine\'s own errors and anything else (a bug) as they are', () => {
    const own = new StateInvariantError('entry 9 leaves a gap');
    expect(storageError('/d/state', 'apply', own)).toBe(own);
    const bug = new TypeError('cannot read properties of undefined');
    expect(storageError('/d/state', 'apply', bug)).toBe(bug);
    const errno = Object.assign(new Error('EIO'), { code: 'EIO' });
    expect(storageError('/d/state', 'apply', errno)).toBe(errno);
  });
});
