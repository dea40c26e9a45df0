// The fatal log line: it names the file that failed and says what to do.
import { describe, expect, it } from 'vitest';
import { fatalReport } from '../../src/server/fatal.js';
import { RaftInvariantError } from '../../src/raft/index.js';
import { StateStorageError } from '../../src/state/index.js';
import { WalFailedError, WalIoError } from '../../src/wal/index.js';

const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

describe('fatalReport', () => {
  it('a full WAL disk: the path, the code, and what to do', () => {
    const err = new WalFailedError(new WalIoError('/data/n1/wal/0000000000000001.wal', 'write', enospc));
    const r = fatalReport(err);
    expect(r.fields).toMatchObject({ path: '/data/n1/wal/0000000000000001.wal', code: 'ENOSPC' });
    expect(r.message).toMatch(/disk holding \/data\/n1\/wal\/0000000000000001\.wal is full \(ENOSPC\).*Free space, then restart/);
  });

  it('another WAL failure: the path and the code', () => {
    const err = new WalFailedError(new WalIoError('/data/n1/wal/state.bin', 'write', Object.assign(new Error('EIO: i/o error'), { code: 'EIO' })));
    expect(fatalReport(err).message).toBe('node stopped: the write-ahead log failed at /data/n1/wal/state.bin (EIO); restart the node once the disk is fixed');
  });

  it('LevelDB on a full disk: the state directory, the code, and what to do', () => {
    const level = Object.assign(new Error('IO error: /data/n1/state/000012.log: No space left on device'), { code: 'LEVEL_IO_ERROR' });
    const r = fatalReport(new StateStorageError('/data/n1/state', 'apply', level));
    expect(r.fields).toMatchObject({ path: '/data/n1/state', code: 'ENOSPC' });
    expect(r.message).toMatch(/the disk holding \/data\/n1\/state is full \(IO error: \/data\/n1\/state\/000012\.log: No space left on device\).*Free space, then restart/);
  });

  it('another LevelDB failure: the state directory and the cause', () => {
    const level = Object.assign(new Error('IO error: /data/n1/state/000012.log: Input/output error'), { code: 'LEVEL_IO_ERROR' });
    const r = fatalReport(new StateStorageError('/data/n1/state', 'apply', level));
    expect(r.fields).toMatchObject({ path: '/data/n1/state' });
    expect(r.fields).not.toHaveProperty('code');
    expect(r.message).toBe('node stopped: the state machine\'s LevelDB failed in /data/n1/state (IO error: /data/n1/state/000012.log: Input/output error); restart the node once the disk is fixed');
  });

  it('a message that mentions ENOSPC is not a full disk unless the error says so by its class', () => {
    const r = fatalReport(new Error('user key "ENOSPC" rejected'));
    expect(r.fields).not.toHaveProperty('code');
  });

  it('a broken invariant: says it is a bug, names it', () => {
    const err = new RaftInvariantError('commit index went backwards');
    expect(fatalReport(err).message).toMatch(/an invariant is broken \(commit index went backwards\); this is a bug/);
  });

  it('another file-system failure: its path, code and syscall', () => {
    const err = Object.assign(new Error("EACCES: permission denied, rename '/data/n1/staging/7' -> '/data/n1/state.next'"), { code: 'EACCES', syscall: 'rename', path: '/data/n1/staging/7' });
    const r = fatalReport(err);
    expect(r.fields).toMatchObject({ path: '/data/n1/staging/7', code: 'EACCES' });
    expect(r.message).toBe('node stopped: rename failed on /data/n1/staging/7 (EACCES); restart the node once the disk is fixed');
  });

  it('anything else: the generic line with the error attached', () => {
    const err = new Error('something unforeseen');
    expect(fatalReport(err)).toEqual({ fields: { err }, message: 'node stopped on an unrecoverable error' });
  });
});
