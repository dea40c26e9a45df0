// `raftdb backup create|list|verify|prune|keygen` (docs/backup.md is the runbook).
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
export { diskOf } from '../backup/place.js';
import { type Command, InvalidArgumentError, Option } from 'commander';
import {
  BACKUP_EXTENSION,
  BackupError,
  type BackupKey,
  backupFromCluster,
  COMPRESSIONS,
  type Compression,
  generateKeyFile,
  loadKeyFile,
  verifyBackup,
  type VerifyResult,
  type ClusterBackup,
} from '../backup/index.js';
import { type Catalog, type CatalogEntry, readCatalogAt, recordVerified } from '../backup/catalog.js';
import { diskOf, type Place, placeOf } from '../backup/place.js';
import { parseS3Url, s3Url } from '../backup/s3.js';
import { planRetention } from '../backup/retention.js';
import { formatBytes } from '../metrics/health.js';
import { type CliIo, CliFailure, type CommonOptions, nonNegativeInt, positiveInt, printJson, textTable, UsageError, withClient, withCommonOptions } from './common.js';
import { byteProgress } from './progress.js';

interface CreateFlags extends CommonOptions {
  out: string;
  compression: Compression;
  level?: number;
  chunkSize?: number;
  keyFile?: string;
  rateLimit?: number;
  nice: number;
}

/** Repeatable --key-file. */
function collectFiles(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** The keys named by --key-file (any number). */
export async function loadKeys(files: readonly string[] | undefined): Promise<BackupKey[]> {
  return Promise.all((files ?? []).map((f) => loadKeyFile(f)));
}

/** Registers backup create|list|verify|prune|keygen. */
export function registerBackupCommands(program: Command, io: CliIo): void {
  const backup = program.command('backup').description('take, list, verify and prune backups (docs/backup.md)');
  withCommonOptions(backup.command('create').description('take a consistent backup of the cluster into a new file in DIR'), io, 10_000)
    .requiredOption('--out <dir>', 'directory to write the backup file into (created if missing), or s3://bucket/prefix (credentials and endpoint from the environment)')
    .addOption(new Option('--compression <algorithm>', 'chunk compression').choices([...COMPRESSIONS]).default('gzip'))
    .option('--level <n>', 'compression level: gzip 1-9 (default 6), brotli 0-11 (default 5)', nonNegativeInt)
    .option('--chunk-size <bytes>', 'raw bytes per chunk, 65536..67108864 (default 4194304)', positiveInt)
    .option('--key-file <file>', 'encrypt with this key (AES-256-GCM; make one with backup keygen)')
    .option('--rate-limit <MBps>', 'read at most this many MB (10^6 bytes) of data per second, to leave the cluster its CPU and disk', positiveInt)
    .option('--nice <n>', 'run at this nice value, 0-19: 19 (the default) takes only the CPU the members and clients on this machine leave over; 0 keeps the priority it was started with', niceValue, 19)
    .action(async (opts: CreateFlags) => runCreate(io, opts));

  backup
    .command('list')
    .description('the backups in DIR: id, revision, time, size, ratio, encryption, verified')
    .argument('<dir>')
    .option('--json', 'machine-readable output', false)
    .action(async (dir: string, opts: { json: boolean }) => runList(io, dir, opts.json));

  backup
    .command('verify')
    .description('check a backup file (or every one in a directory) completely, by replaying it into a scratch LevelDB')
    .argument('<file-or-dir>')
    .option('--key-file <file>', 'key of an encrypted backup (repeat for several)', collectFiles)
    .option('--scratch-dir <dir>', 'where the scratch LevelDB goes (default the system temp directory)')
    .option('--json', 'machine-readable output', false)
    .action(async (target: string, opts: { keyFile?: string[]; scratchDir?: string; json: boolean }) => runVerify(io, target, opts));

  backup
    .command('prune')
    .description('remove the backups in DIR that no retention rule keeps (a dry run unless --yes)')
    .argument('<dir>')
    .option('--keep-last <n>', 'keep the N newest', nonNegativeInt)
    .option('--keep-daily <n>', 'keep the newest of each of the N most recent days with a backup', nonNegativeInt)
    .option('--keep-weekly <n>', 'keep the newest of each of the N most recent ISO weeks with a backup', nonNegativeInt)
    .option('--yes', 'really delete (default: only say what would be deleted)', false)
    .option('--json', 'machine-readable output', false)
    .action(async (dir: string, opts: { keepLast?: number; keepDaily?: number; keepWeekly?: number; yes: boolean; json: boolean }) => runPrune(io, dir, opts));

  backup
    .command('keygen')
    .description('write a new random backup encryption key (32 bytes, hex) to FILE, mode 0600')
    .requiredOption('--out <file>', 'the key file to create (never overwritten)')
    .action(async (opts: { out: string }) => {
      const k = await generateKeyFile(opts.out).catch((err: NodeJS.ErrnoException) => {
        throw new CliFailure(err.code === 'EEXIST' ? `${opts.out} exists: a key file is never overwritten` : err.message);
      });
      io.out(`key ${k.id} written to ${opts.out}: keep a copy somewhere other than the backups\n`);
    });
}

/** --nice: 0..19 (a negative value would need privileges and raise the backup above the cluster). */
function niceValue(text: string): number {
  const n = nonNegativeInt(text);
  if (n > 19) throw new InvalidArgumentError('must be 0..19');
  return n;
}

async function runCreate(io: CliIo, opts: CreateFlags): Promise<void> {
  // Before anything runs on the thread pool: its threads, started later, inherit the value.
  io.priority?.lower(opts.nice);
  const key = opts.keyFile ? await loadKeyFile(opts.keyFile) : null;
  const t0 = performance.now();
  // An s3:// destination gets the file once it is complete and checked: it is written locally first.
  const s3 = parseS3Url(opts.out) ? await placeOf(opts.out) : null;
  const dir = s3 ? await mkdtemp(join(tmpdir(), 'raftdb-backup-staging-')) : opts.out;
  try {
    const written = await take(opts, dir, key);
    if (s3?.s3) {
      const name = basename(written.path);
      await s3.s3.upload(written.path, name);
      written.path = s3Url(s3.s3.loc, name);
    }
    report(io, opts, written, key, t0, io.priority?.current() ?? null);
  } finally {
    if (s3) await rm(dir, { recursive: true, force: true });
  }
}

async function take(opts: CreateFlags, dir: string, key: BackupKey | null): Promise<ClusterBackup> {
  let bar: ReturnType<typeof byteProgress> | null = null;
  let estimate = 0;
  return withClient(opts, (client) =>
    backupFromCluster(client, dir, {
      compression: opts.compression,
      ...(opts.level !== undefined ? { level: opts.level } : {}),
      ...(opts.chunkSize !== undefined ? { chunkBytes: opts.chunkSize } : {}),
      key,
      ...(opts.rateLimit ? { maxBytesPerSecond: opts.rateLimit * 1e6 } : {}),
      onManifest: (m) => {
        estimate = m.estimatedBytes;
        bar?.stop();
        bar = byteProgress(`backup from ${m.memberId}`, estimate, opts.json);
      },
      onProgress: (bytes) => bar?.update(bytes),
    }),
  ).finally(() => bar?.stop());
}

function report(io: CliIo, opts: CreateFlags, written: ClusterBackup, key: BackupKey | null, t0: number, nice: number | null): void {
  const seconds = (performance.now() - t0) / 1000;
  const m = written.manifest;
  const t = written.trailer;
  const summary = {
    path: written.path,
    clusterId: m.clusterId,
    member: m.memberId,
    endpoint: written.endpoint,
    revision: m.revision,
    raftIndex: m.raftIndex,
    raftTerm: m.raftTerm,
    keyCount: t.keyCount,
    hashKv: t.hashKv,
    snapshotBytes: t.rawBytes,
    fileBytes: written.bytes,
    compression: m.compression,
    level: m.level,
    keyId: m.encryption?.keyId ?? null,
    seconds: Math.round(seconds * 1000) / 1000,
    bytesPerSecond: Math.round(t.rawBytes / Math.max(seconds, 1e-3)),
    failedAttempts: written.failures,
    /** The lowest nice value among this process's threads at the end (null: run in-process). */
    nice,
  };
  if (opts.json) return printJson(io, summary);
  for (const f of written.failures) io.err(`raftdb: backup from ${f.endpoint} failed (${f.error}); took it from the next member\n`);
  io.out(
    `backup written: ${written.path}\n` +
      `  revision ${m.revision} (index ${m.raftIndex}, term ${m.raftTerm}), ${t.keyCount} keys, from ${m.memberId} (${written.endpoint})\n` +
      `  ${formatBytes(t.rawBytes)} of data -> ${formatBytes(written.bytes)} file (${ratio(t.rawBytes, written.bytes)}, ${m.compression}${key ? `, encrypted with key ${key.id}` : ''}) in ${seconds.toFixed(1)} s (${formatBytes(summary.bytesPerSecond)}/s)\n` +
      `  HashKV ${t.hashKv}\n`,
  );
}

function ratio(raw: number, stored: number): string {
  return `${(raw / Math.max(1, stored)).toFixed(1)}x`;
}

function utc(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

async function catalogOf(target: string): Promise<{ place: Place; catalog: Catalog }> {
  const place = await placeOf(target);
  const catalog = await readCatalogAt(place.source).catch((err: NodeJS.ErrnoException) => {
    throw new CliFailure(err.code === 'ENOENT' ? `${target}: no such directory` : `${target}: ${err.message}`);
  });
  return { place, catalog };
}

async function runList(io: CliIo, dir: string, json: boolean): Promise<void> {
  const { entries, partial } = (await catalogOf(dir)).catalog;
  if (json) {
    printJson(io, {
      backups: entries.map((e) =>
        e.ok
          ? { name: e.name, ok: true, id: e.manifest.id, clusterId: e.manifest.clusterId, member: e.manifest.memberId, revision: e.manifest.revision, createdAtMs: e.manifest.createdAtMs, bytes: e.bytes, rawBytes: e.trailer.rawBytes, keyCount: e.trailer.keyCount, compression: e.manifest.compression, keyId: e.manifest.encryption?.keyId ?? null, hashKv: e.trailer.hashKv, verifiedAtMs: e.verified?.verifiedAtMs ?? null }
          : { name: e.name, ok: false, error: e.error },
      ),
      partial,
    });
    return;
  }
  const t = textTable(['ID', 'REVISION', 'CREATED (UTC)', 'SIZE', 'RATIO', 'KEYS', 'ENCRYPTED', 'VERIFIED', 'FILE']);
  for (const e of entries) {
    if (!e.ok) t.push(['?', '', '', '', '', '', '', 'unreadable', e.name]);
    else t.push([e.manifest.id.slice(0, 8), e.manifest.revision, utc(e.manifest.createdAtMs), formatBytes(e.bytes), ratio(e.trailer.rawBytes, e.bytes), e.trailer.keyCount, e.manifest.encryption?.keyId ?? 'no', e.verified ? utc(e.verified.verifiedAtMs) : 'no', e.name]);
  }
  io.out(`${t.toString()}\n`);
  for (const e of entries) if (!e.ok) io.out(`unreadable ${e.name}: ${e.error}\n`);
  for (const p of partial) io.out(`partial ${p}: left by an interrupted backup; not a backup (delete it)\n`);
}

async function verifyTargets(target: string): Promise<string[]> {
  if (target.startsWith('s3://') && target.endsWith(BACKUP_EXTENSION)) return [target];
  if (!target.startsWith('s3://')) {
    const s = await stat(target).catch((err: NodeJS.ErrnoException) => {
      throw new CliFailure(err.code === 'ENOENT' ? `${target}: no such file or directory` : `${target}: ${err.message}`);
    });
    if (!s.isDirectory()) return [target];
  }
  const { entries } = (await catalogOf(target)).catalog;
  if (entries.length === 0) throw new CliFailure(`${target} holds no backup (.rdbk) file`);
  return entries.map((e) => e.path);
}

async function runVerify(io: CliIo, target: string, opts: { keyFile?: string[]; scratchDir?: string; json: boolean }): Promise<void> {
  const keys = await loadKeys(opts.keyFile);
  const results: ({ path: string; ok: true; result: VerifyResult } | { path: string; ok: false; error: string })[] = [];
  for (const path of await verifyTargets(target)) {
    const bar = byteProgress(`verify ${basename(path)}`, 0, opts.json);
    try {
      const disk = await diskOf(path);
      const result = await verifyBackup(path, { keys, ...(disk ? { disk } : {}), ...(opts.scratchDir ? { scratchDir: opts.scratchDir } : {}), onProgress: (done, total) => bar.update(done, total) });
      bar.stop();
      // The note is a local file next to the backup: none for an s3:// object.
      if (!disk && !(await recordVerified(path, { digest: result.digest, verifiedAtMs: Date.now(), hashKv: result.hashKv, keys: result.keys }))) {
        io.err(`raftdb backup verify: ${path} verified, but its note could not be written next to it (read-only?); backup list shows it as not verified\n`);
      }
      results.push({ path, ok: true, result });
      if (!opts.json) {
        const m = result.manifest;
        io.out(`OK ${path}: revision ${m.revision}, ${result.keys} keys, HashKV ${result.hashKv} matches, ${result.trailer.chunks} chunks, ${formatBytes(result.bytes)} in ${result.seconds.toFixed(1)} s\n`);
      }
    } catch (err) {
      bar.stop();
      if (!(err instanceof BackupError) && !(err as { code?: string }).code) throw err;
      results.push({ path, ok: false, error: (err as Error).message });
      if (!opts.json) io.out(`FAILED ${path}: ${(err as Error).message}\n`);
    }
  }
  const summary = results.map((r) => (r.ok ? { path: r.path, ok: true, revision: r.result.manifest.revision, keys: r.result.keys, hashKv: r.result.hashKv, digest: r.result.digest, seconds: r.result.seconds } : r));
  const failed = results.filter((r) => !r.ok).length;
  // --json: the list when every backup verified; otherwise one document, { results, error }.
  if (failed > 0) throw new CliFailure(`${failed} of ${results.length} backup(s) failed verification`, 'VERIFY_FAILED', { results: summary });
  if (opts.json) printJson(io, summary);
}

async function runPrune(io: CliIo, dir: string, opts: { keepLast?: number; keepDaily?: number; keepWeekly?: number; yes: boolean; json: boolean }): Promise<void> {
  const rules = { keepLast: opts.keepLast ?? 0, keepDaily: opts.keepDaily ?? 0, keepWeekly: opts.keepWeekly ?? 0 };
  if (rules.keepLast + rules.keepDaily + rules.keepWeekly === 0) {
    throw new UsageError('give at least one of --keep-last, --keep-daily, --keep-weekly above 0 (prune never deletes every backup)');
  }
  const { place, catalog } = await catalogOf(dir);
  const { entries } = catalog;
  const readable = entries.filter((e): e is Extract<CatalogEntry, { ok: true }> => e.ok);
  const plan = planRetention(readable.map((e) => ({ name: e.name, path: e.path, createdAtMs: e.manifest.createdAtMs, revision: e.manifest.revision })), rules);
  if (opts.yes) for (const d of plan) if (!d.keep) await place.remove(d.item.path);
  if (opts.json) {
    printJson(io, { dryRun: !opts.yes, keep: plan.filter((d) => d.keep).map((d) => ({ name: d.item.name, reasons: d.reasons })), remove: plan.filter((d) => !d.keep).map((d) => d.item.name), unreadable: entries.filter((e) => !e.ok).map((e) => e.name) });
    return;
  }
  for (const d of plan) io.out(`${d.keep ? 'keep  ' : opts.yes ? 'delete' : 'would delete'} ${d.item.name}${d.keep ? ` (${d.reasons.join(', ')})` : ''}\n`);
  for (const e of entries) if (!e.ok) io.out(`skip   ${e.name}: unreadable, left alone (${e.error})\n`);
  const removed = plan.filter((d) => !d.keep).length;
  io.out(opts.yes ? `deleted ${removed} backup(s)\n` : `dry run: ${removed} backup(s) would be deleted; run again with --yes to delete them\n`);
}

