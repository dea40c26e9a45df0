// The audit log file: JSON lines, 0600, rotation by size keeping N files, and lines dropped (and
// counted) rather than a caller waiting when the queue is full or the log is closed.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog, type AuditRecord } from '../../src/auth/audit.js';
import { cleanup, tempDir } from '../state/helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await cleanup(dir);
});

const rec = (i: number): AuditRecord => ({ time: '2026-12-06T10:00:00.000Z', node: 'n1', user: 'alice', client: 'ipv4:127.0.0.1:5000', method: 'Put', ranges: [`key "k${i}"`], revision: i, outcome: 'OK' });
const lines = (file: string): AuditRecord[] => readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditRecord);

describe('AuditLog', () => {
  it('appends one JSON line per record to a 0600 file, across reopen', async () => {
    const file = `${dir}/audit.jsonl`;
    let log = await AuditLog.open(file);
    log.record(rec(1));
    log.record(rec(2));
    await log.close();
    log = await AuditLog.open(file);
    log.record(rec(3));
    await log.close();
    expect(lines(file).map((r) => r.revision)).toEqual([1, 2, 3]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('rotates by size, keeping `keep` files, the oldest removed', async () => {
    const file = `${dir}/audit.jsonl`;
    let rotations = 0;
    const log = await AuditLog.open(file, { maxBytes: 600, keep: 2, onRotated: () => rotations++ });
    for (let i = 0; i < 40; i++) {
      log.record(rec(i));
      await log.flush(); // one write per record, so each file stays within the bound
    }
    await log.close();
    expect(rotations).toBeGreaterThan(2);
    expect(existsSync(`${file}.3`)).toBe(false);
    const kept = [...lines(`${file}.2`), ...lines(`${file}.1`), ...lines(file)].map((r) => r.revision);
    // The newest records, in order, none lost among those kept; every file within the bound.
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => 40 - kept.length + i));
    for (const f of [file, `${file}.1`, `${file}.2`]) expect(statSync(f).size).toBeLessThanOrEqual(600);
  });

  it('drops and counts lines when the queue is full, without waiting; drops after close', async () => {
    const file = `${dir}/audit.jsonl`;
    let dropped = 0;
    let written = 0;
    const log = await AuditLog.open(file, { maxQueuedBytes: 1000, onDropped: (n) => (dropped += n), onWritten: (n) => (written += n) });
    for (let i = 0; i < 100; i++) log.record(rec(i)); // synchronously: nothing is written meanwhile
    await log.close();
    expect(dropped).toBeGreaterThan(80);
    expect(written + dropped).toBe(100);
    expect(lines(file)).toHaveLength(written);
    log.record(rec(101));
    expect(dropped + written).toBe(101);
  });

  it('refuses to open a file it cannot create, naming it', async () => {
    await expect(AuditLog.open(`${dir}/no/such/dir/audit.jsonl`)).rejects.toThrow(/cannot open the audit log .*no\/such\/dir/);
  });
});
