// The checked-in wire types (src/proto/generated) are what `npm run gen:proto` makes from proto/
// today, generated for the loader options the runtime actually uses: a .proto edited without
// regenerating, or a generated file edited by hand, fails here instead of lying to the compiler.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LOADER_OPTIONS, raftdbPackageDefinition } from '../../src/proto/load.js';

const root = join(import.meta.dirname, '..', '..');
const committed = join(root, 'src', 'proto', 'generated');
const script = join(root, 'scripts', 'gen-proto.mjs');

/** Every file under `dir`, as paths relative to it, sorted. */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

describe('generated wire types', () => {
  const fresh = mkdtempSync(join(tmpdir(), 'raftdb-gen-'));
  afterAll(() => rmSync(fresh, { recursive: true, force: true }));

  it('src/proto/generated is exactly what npm run gen:proto makes from proto/ (else: run npm run gen:proto)', () => {
    execFileSync(process.execPath, [script, fresh], { cwd: root, stdio: 'pipe' });
    const want = listFiles(fresh);
    expect(want.length).toBeGreaterThan(50);
    expect(listFiles(committed), 'files added or removed: run npm run gen:proto').toEqual(want);
    const stale = want.filter((f) => readFileSync(join(committed, f), 'utf8') !== readFileSync(join(fresh, f), 'utf8'));
    expect(stale, 'generated files out of date or edited by hand: run npm run gen:proto').toEqual([]);
  });

  it('the types are generated for the loader options the runtime uses (src/proto/load.ts)', () => {
    const gen = JSON.parse(execFileSync(process.execPath, [script, '--print-options'], { encoding: 'utf8' })) as Record<string, unknown>;
    // load.ts names the types by their constructors (Number, String, Buffer); the script by name.
    const runtime = Object.fromEntries(Object.entries(LOADER_OPTIONS).map(([k, v]) => [k, typeof v === 'function' ? v.name : v]));
    expect(gen).toEqual(runtime);
  });

  it('every proto file the runtime loads is one the types are generated from', () => {
    // Package definition keys are fully qualified names (raftdb.v1.Compare.Op lives in Compare.ts).
    const names = Object.keys(raftdbPackageDefinition()).filter((n) => n.startsWith('raftdb.v1.'));
    expect(names.length).toBeGreaterThan(50);
    const files = new Set(listFiles(join(committed, 'raftdb', 'v1')));
    const missing = names.filter((n) => !files.has(`${n.slice('raftdb.v1.'.length).split('.')[0]}.ts`));
    expect(missing).toEqual([]);
  });
});
