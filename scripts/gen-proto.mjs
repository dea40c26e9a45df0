#!/usr/bin/env node
// Generates the TypeScript wire types for proto/raftdb/v1/*.proto into src/proto/generated/
// (`npm run gen:proto`), or into the directory given as the first argument (the freshness test
// regenerates into a temp dir and compares). It uses @grpc/proto-loader's own generator, so the
// types describe exactly the objects the loader decodes at runtime: the options below must match
// LOADER_OPTIONS in src/proto/load.ts (test/proto/generated.test.ts checks that they do).
// Plain JavaScript on purpose: it runs before anything is built.
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The loader options the types are generated for (same values as src/proto/load.ts). */
export const GEN_OPTIONS = { keepCase: false, longs: 'Number', enums: 'String', bytes: 'Buffer', defaults: true, oneofs: true };

if (process.argv[2] === '--print-options') {
  process.stdout.write(JSON.stringify(GEN_OPTIONS) + '\n');
  process.exit(0);
}

const outDir = resolve(process.argv[2] ?? join(root, 'src', 'proto', 'generated'));
// Sorted so the generated index files list the same things in the same order on every machine.
const protos = readdirSync(join(root, 'proto', 'raftdb', 'v1')).filter((f) => f.endsWith('.proto')).sort().map((f) => `raftdb/v1/${f}`);
const flags = [
  `--longs=${GEN_OPTIONS.longs}`, `--enums=${GEN_OPTIONS.enums}`, `--bytes=${GEN_OPTIONS.bytes}`,
  '--defaults', '--oneofs', '--grpcLib=@grpc/grpc-js',
  // NodeNext resolution needs the extension on relative imports.
  '--importFileExtension=.js',
];
if (GEN_OPTIONS.keepCase) flags.push('--keepCase');

// A stale file for a message that no longer exists must not survive a regeneration.
rmSync(outDir, { recursive: true, force: true });
const bin = join(root, 'node_modules', '.bin', 'proto-loader-gen-types');
// The include dir is relative to the repository root: the generator writes it into each file's
// "Original file" comment, so an absolute path would make the output differ between checkouts.
const res = spawnSync(bin, [...flags, '-I', 'proto', '-O', outDir, ...protos], { cwd: root, stdio: 'inherit' });
if (res.error) throw res.error;
process.exit(res.status ?? 1);
