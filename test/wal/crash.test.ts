// Crash recovery with real processes: a child appends with many concurrent appenders and reports
// each append once its promise resolved; the parent SIGKILLs it at a random moment and checks
// that every reported entry survived with the right bytes and that the log is contiguous.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Wal } from '../../src/wal/index.js';
import { payload, prng, randInt, rmDir, tmpDir } from './helpers.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const CHILD = path.join(HERE, 'fixtures/crash-child.mjs');
const DIRS = 10;
const KILLS_PER_DIR = 20; // 200 kill points in total
const APPENDERS = 32;
const SEGMENT_BYTES = 32 * 1024; // small, so kills also land on segment rolls
let buildDir: string;
const dirs: string[] = [];

beforeAll(async () => {
  // Compile only the WAL (and the shared helpers) so other layers' work in progress cannot break
  // this test; the build dir links node_modules so the compiled code resolves msgpackr.
  buildDir = await tmpDir('raftdb-wal-build-');
  await fs.symlink(path.join(ROOT, 'node_modules'), path.join(buildDir, 'node_modules'), 'dir');
  const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
  const flags = ['--outDir', buildDir, '--rootDir', ROOT, '--module', 'NodeNext', '--moduleResolution', 'NodeNext'];
  flags.push('--target', 'ES2022', '--strict', '--skipLibCheck', '--types', 'node', '--declaration', 'false');
  execFileSync(process.execPath, [tsc, ...flags, 'src/wal/index.ts', 'test/wal/helpers.ts'], { cwd: ROOT });
});

afterAll(async () => {
  for (const d of [...dirs, buildDir]) if (d) await rmDir(d);
});

interface ChildRun {
  acked: [from: number, n: number][];
  hsAcked: boolean;
}

/** Runs one child, kills it `delayMs` after it is ready, and returns what it reported durable. */
function runAndKill(dir: string, term: number, delayMs: number): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, buildDir, dir, String(term), String(APPENDERS), String(SEGMENT_BYTES)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const run: ChildRun = { acked: [], hsAcked: false };
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (out.length === 0 && chunk.includes('ready')) setTimeout(() => child.kill('SIGKILL'), delayMs);
      out += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`child exited ${code}: ${err}`));
      for (const line of out.split('\n')) {
        const [kind, a, b] = line.split(' ');
        if (kind === 'hs') run.hsAcked = true;
        if (kind === 'ok') run.acked.push([Number(a), Number(b)]);
      }
      resolve(run);
    });
  });
}

async function verify(dir: string, term: number, run: ChildRun): Promise<number> {
  const wal = await Wal.open(dir, { segmentBytes: SEGMENT_BYTES });
  try {
    const snapIndex = wal.snapshot()?.index ?? 0;
    if (run.hsAcked) expect(wal.hardState().term).toBe(term);
    // The log is contiguous from firstIndex and every entry carries the bytes written for it.
    const all = await wal.entries(wal.firstIndex(), wal.lastIndex() + 1);
    expect(all.length).toBe(wal.lastIndex() - wal.firstIndex() + 1);
    for (let i = 0; i < all.length; i++) {
      const e = all[i]!;
      expect(e.index).toBe(wal.firstIndex() + i);
      expect(Buffer.from(e.data).equals(Buffer.from(payload(e.index, e.term)))).toBe(true);
    }
    // Every append reported durable is there, in this run's term (unless a snapshot covers it).
    for (const [from, n] of run.acked) {
      for (let i = from; i < from + n; i++) {
        if (i <= snapIndex) continue;
        expect(i, `acked entry ${i} lost`).toBeLessThanOrEqual(wal.lastIndex());
        expect(wal.term(i)).toBe(term);
      }
    }
    return run.acked.length;
  } finally {
    await wal.close();
  }
}

describe('crash recovery (SIGKILL)', () => {
  for (let d = 0; d < DIRS; d++) {
    it(`directory ${d}: ${KILLS_PER_DIR} kills at random moments lose no acknowledged append`, async () => {
      const rand = prng(1000 + d);
      const dir = await tmpDir();
      dirs.push(dir);
      let acked = 0;
      for (let k = 1; k <= KILLS_PER_DIR; k++) {
        const run = await runAndKill(dir, k, randInt(rand, 5, 60));
        acked += await verify(dir, k, run);
      }
      expect(acked).toBeGreaterThan(KILLS_PER_DIR); // the kills did land while appends were flowing
    });
  }
});
