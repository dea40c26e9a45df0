// Key-value verbs: put, get, del, scan, txn.
import { readFile } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import type { CommitMode, Consistency, TxnOpResult } from '../client/index.js';
import { type CliIo, CliFailure, type CommonOptions, UsageError, bytesJson, kvJson, positiveInt, printJson, withClient, withCommonOptions } from './common.js';
import { parseTxnSpec } from './txn-spec.js';

const MODES: CommitMode[] = ['sync', 'semi-sync', 'async'];
const CONSISTENCY: Consistency[] = ['linearizable', 'lease', 'serializable'];

/** Registers put, get, del, scan and txn. */
export function registerKvCommands(program: Command, io: CliIo): void {
  withCommonOptions(program.command('put').description('write a value').argument('<key>').argument('<value>'), io)
    .addOption(new Option('--mode <mode>', 'commit mode for this write (default: the cluster default)').choices(MODES))
    .action(async (key: string, value: string, opts: CommonOptions & { mode?: CommitMode }) => {
      const r = await withClient(opts, (c) => c.put(key, value, opts.mode ? { commitMode: opts.mode } : {}));
      if (opts.json) printJson(io, { ok: true, revision: r.header.revision, header: r.header });
      else io.out(`OK revision ${r.header.revision}\n`);
    });

  withCommonOptions(program.command('get').description('print the value of a key').argument('<key>'), io)
    .addOption(new Option('--consistency <level>', 'read consistency').choices(CONSISTENCY).default('linearizable'))
    .action(async (key: string, opts: CommonOptions & { consistency: Consistency }) => {
      const r = await withClient(opts, (c) => c.get(key, { consistency: opts.consistency }));
      if (!r.kv) {
        if (opts.json) printJson(io, { found: false, ...bytesJson('key', Buffer.from(key)), header: r.header });
        throw new CliFailure(`key not found: ${key}`);
      }
      if (opts.json) printJson(io, { found: true, ...kvJson(r.kv), header: r.header });
      else io.out(Buffer.concat([r.kv.value, Buffer.from('\n')]));
    });

  withCommonOptions(program.command('del').description('delete a key, or every key with a prefix').argument('<key>'), io)
    .option('--prefix', 'delete every key starting with KEY', false)
    .action(async (key: string, opts: CommonOptions & { prefix: boolean }) => {
      const r = await withClient(opts, (c) => c.delete(opts.prefix ? { key, prefix: true } : key));
      if (opts.json) printJson(io, { deleted: r.deleted, revision: r.header.revision, header: r.header });
      else io.out(`deleted ${r.deleted}\n`);
    });

  withCommonOptions(program.command('scan').description('list keys with a prefix (all keys without one)').argument('[prefix]', 'key prefix', ''), io)
    .option('--limit <n>', 'at most N keys', positiveInt)
    .addOption(new Option('--consistency <level>', 'read consistency').choices(CONSISTENCY).default('linearizable'))
    .action(async (prefix: string, opts: CommonOptions & { limit?: number; consistency: Consistency }) => {
      await withClient(opts, async (c) => {
        const query = { key: prefix, prefix: true, consistency: opts.consistency, ...(opts.limit ? { limit: opts.limit } : {}) };
        // Stream page by page: a large scan never sits in memory whole.
        for await (const page of c.rangeAll(query)) {
          for (const kv of page.kvs) {
            if (opts.json) printJson(io, kvJson(kv));
            else io.out(Buffer.concat([kv.key, Buffer.from('\t'), kv.value, Buffer.from('\n')]));
          }
        }
      });
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
