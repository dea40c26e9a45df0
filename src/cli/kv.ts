// Key-value verbs: put, get, del, scan, txn.
import { readFile } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import type { CommitMode, Consistency, KeyValue, TxnOpResult } from '../client/index.js';
import { type CliIo, CliFailure, type CommonOptions, UsageError, bytesJson, kvJson, positiveInt, printJson, withClient, withCommonOptions } from './common.js';
import { argBytes, type ByteEncoding, type ByteOptions, encodingOf, showBytes, withByteOptions } from './bytes-args.js';
import { parseTxnSpec } from './txn-spec.js';

const MODES: CommitMode[] = ['sync', 'semi-sync', 'async'];
const CONSISTENCY: Consistency[] = ['linearizable', 'lease', 'serializable'];

/** Registers put, get, del, scan and txn. */
export function registerKvCommands(program: Command, io: CliIo): void {
  withByteOptions(
    withCommonOptions(
      program
        .command('put')
        .description('write a value (from the argument, standard input, or --value-file)')
        .argument('<key>')
        .argument('[value]', 'the value; omitted or - reads it from standard input'),
      io,
    ),
    false,
  )
    .addOption(new Option('--mode <mode>', 'commit mode for this write (default: the cluster default)').choices(MODES))
    .option('--value-file <file>', 'read the value from FILE (any bytes)')
    .action(async (keyArg: string, valueArg: string | undefined, opts: CommonOptions & ByteOptions & { mode?: CommitMode; valueFile?: string }) => {
      const enc = encodingOf(opts);
      const key = argBytes(keyArg, 'key', enc);
      const value = await valueBytes(io, valueArg, opts.valueFile, enc);
      const r = await withClient(opts, (c) => c.put(key, value, opts.mode ? { commitMode: opts.mode } : {}));
      if (opts.json) printJson(io, { ok: true, revision: r.header.revision, header: r.header });
      else io.out(`OK revision ${r.header.revision}\n`);
    });

  withByteOptions(
    withCommonOptions(
      program
        .command('get')
        .description('print the value of a key, or every key of a range (KEY to RANGE_END, or --prefix)')
        .argument('<key>')
        .argument('[range_end]', 'exclusive end of a range of keys'),
      io,
    ),
    true,
  )
    .addOption(new Option('--consistency <level>', 'read consistency').choices(CONSISTENCY).default('linearizable'))
    .option('--prefix', 'every key starting with KEY', false)
    .option('--rev <revision>', 'read as of this past revision', positiveInt)
    .option('--limit <n>', 'at most N keys (ranges)', positiveInt)
    .action(async (keyArg: string, endArg: string | undefined, opts: CommonOptions & ByteOptions & { consistency: Consistency; prefix: boolean; rev?: number; limit?: number }) => {
      const enc = encodingOf(opts);
      const key = argBytes(keyArg, 'key', enc);
      if (opts.prefix && endArg !== undefined) throw new UsageError('give either --prefix or a range end, not both');
      if (endArg === undefined && !opts.prefix && opts.rev === undefined) {
        const r = await withClient(opts, (c) => c.get(key, { consistency: opts.consistency }));
        if (!r.kv) {
          if (opts.json) printJson(io, { found: false, ...bytesJson('key', key), header: r.header });
          throw new CliFailure(`key not found: ${showBytes(key, enc).toString()}`);
        }
        if (opts.json) printJson(io, { found: true, ...kvJson(r.kv), header: r.header });
        else io.out(Buffer.concat([showBytes(r.kv.value, enc, opts.raw), Buffer.from('\n')]));
        return;
      }
      const selector = opts.prefix ? { key, prefix: true } : endArg !== undefined ? { key, rangeEnd: argBytes(endArg, 'range_end', enc) } : { key };
      const query = { ...selector, consistency: opts.consistency, ...(opts.rev ? { revision: opts.rev } : {}), ...(opts.limit ? { limit: opts.limit } : {}) };
      await withClient(opts, (c) => printRange(io, c.rangeAll(query), opts.json, enc, opts.raw));
    });

  withByteOptions(
    withCommonOptions(
      program
        .command('del')
        .description('delete a key, a range of keys (KEY to RANGE_END), or every key with a prefix')
        .argument('<key>')
        .argument('[range_end]', 'exclusive end of a range of keys'),
      io,
    ),
    false,
  )
    .option('--prefix', 'delete every key starting with KEY', false)
    .action(async (keyArg: string, endArg: string | undefined, opts: CommonOptions & ByteOptions & { prefix: boolean }) => {
      const enc = encodingOf(opts);
      const key = argBytes(keyArg, 'key', enc);
      if (opts.prefix && endArg !== undefined) throw new UsageError('give either --prefix or a range end, not both');
      const target = opts.prefix ? { key, prefix: true } : endArg !== undefined ? { key, rangeEnd: argBytes(endArg, 'range_end', enc) } : key;
      const r = await withClient(opts, (c) => c.delete(target));
      if (opts.json) printJson(io, { deleted: r.deleted, revision: r.header.revision, header: r.header });
      else io.out(`deleted ${r.deleted}\n`);
    });

  withByteOptions(withCommonOptions(program.command('scan').description('list keys with a prefix (all keys without one)').argument('[prefix]', 'key prefix', ''), io), true)
    .option('--limit <n>', 'at most N keys', positiveInt)
    .addOption(new Option('--consistency <level>', 'read consistency').choices(CONSISTENCY).default('linearizable'))
    .action(async (prefixArg: string, opts: CommonOptions & ByteOptions & { limit?: number; consistency: Consistency }) => {
      const enc = encodingOf(opts);
      const prefix = argBytes(prefixArg, 'prefix', enc);
      const query = { key: prefix, prefix: true, consistency: opts.consistency, ...(opts.limit ? { limit: opts.limit } : {}) };
      await withClient(opts, (c) => printRange(io, c.rangeAll(query), opts.json, enc, opts.raw));
    });

  withCommonOptions(
    program
      .command('txn')
      .description('run a transaction from a JSON spec (see `raftdb txn --help`)')
      .argument('[file]', 'spec file, or - for standard input', '-')
      .addHelpText('after', TXN_HELP),
    io,
  )
    .addOption(new Option('--mode <mode>', 'commit mode for this transaction').choices(MODES))
    .action(async (file: string, opts: CommonOptions & { mode?: CommitMode }) => {
      const text = file === '-' ? await io.stdin() : await readFile(file).catch((e: Error) => {
        throw new UsageError(`cannot read ${file}: ${e.message}`);
      });
      const spec = parseTxnSpec(text.toString('utf8'));
      if (opts.mode) spec.commitMode = opts.mode;
      const r = await withClient(opts, (c) => c.txn(spec));
      if (opts.json) printJson(io, { succeeded: r.succeeded, revision: r.header.revision, responses: r.responses.map(opJson) });
      else {
        io.out(`${r.succeeded ? 'SUCCESS' : 'FAILURE'} revision ${r.header.revision}\n`);
        for (const res of r.responses) io.out(`${opText(res)}\n`);
      }
    });
}

const TXN_HELP = `
Spec (JSON; keys and values are UTF-8 strings):
  {"compare": [{"key": "a", "target": "value", "op": "=", "value": "1"},
               {"key": "b", "target": "version", "op": ">", "number": 0}],
   "success": [{"put": {"key": "a", "value": "2"}}, {"get": {"key": "b"}}],
   "failure": [{"delete": {"key": "p/", "prefix": true}}, {"range": {"key": "p/", "prefix": true, "limit": 10}}]}
  target: value | version | modRevision | createRevision;  op: = | != | < | >`;

function opJson(r: TxnOpResult): Record<string, unknown> {
  switch (r.type) {
    case 'put':
      return { type: 'put', revision: r.header.revision };
    case 'delete':
      return { type: 'delete', deleted: r.deleted };
    case 'range':
      return { type: 'range', kvs: r.kvs.map(kvJson), more: r.more };
  }
}

function opText(r: TxnOpResult): string {
  switch (r.type) {
    case 'put':
      return 'put OK';
    case 'delete':
      return `deleted ${r.deleted}`;
    case 'range':
      return r.kvs.length === 0 ? 'range: no keys' : r.kvs.map((kv) => `${kv.keyString()}\t${kv.valueString()}`).join('\n');
  }
}

/** The value of `put`: --value-file, standard input (omitted or -), or the argument. */
async function valueBytes(io: CliIo, arg: string | undefined, file: string | undefined, enc: ByteEncoding): Promise<Buffer> {
  if (file !== undefined) {
    if (arg !== undefined) throw new UsageError('give the value either as an argument or with --value-file, not both');
    return readFile(file).catch((e: Error) => {
      throw new UsageError(`cannot read ${file}: ${e.message}`);
    });
  }
  if (arg === undefined || arg === '-') {
    const bytes = await io.stdin();
    // --hex / --base64 apply to standard input too: the text read is decoded.
    return enc === 'text' ? bytes : argBytes(bytes.toString('latin1').trim(), 'value', enc);
  }
  return argBytes(arg, 'value', enc);
}

/**
 * Prints a range page by page, so a large one never sits in memory whole: "key<TAB>value" lines,
 * or with --json one document {"kvs": [...], "count": N} written as the pages arrive.
 */
async function printRange(io: CliIo, pages: AsyncIterable<{ kvs: readonly KeyValue[] }>, json: boolean, enc: ByteEncoding, raw: boolean | undefined): Promise<void> {
  let count = 0;
  if (json) io.out('{"kvs":[');
  for await (const page of pages) {
    for (const kv of page.kvs) {
      if (json) io.out(`${count > 0 ? ',' : ''}${JSON.stringify(kvJson(kv))}`);
      else io.out(Buffer.concat([showBytes(kv.key, enc, raw), Buffer.from('\t'), showBytes(kv.value, enc, raw), Buffer.from('\n')]));
      count++;
    }
  }
  if (json) io.out(`],"count":${count}}\n`);
}
