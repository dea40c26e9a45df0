// The fatal log line: it names the file that failed and says what to do.
import { describe, expect, it } from 'vitest';
import { fatalReport } from '../../src/server/fatal.js';
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

  it('LevelDB on a full disk: its message (with the path) and what to do', () => {
    const r = fatalReport(new Error('IO error: /data/n1/state/000012.log: No space left on device'));
    expect(r.fields).toMatchObject({ code: 'ENOSPC' });
    expect(r.message).toMatch(/a disk is full \(IO error: \/data\/n1\/state\/000012\.log: No space left on device\)/);
  });

  it('anything else: the generic line with the error attached', () => {
    const err = new Error('invariant: applied index went backwards');
    expect(fatalReport(err)).toEqual({ fields: { err }, message: 'node stopped on an unrecoverable error' });
  });
});
