// `raftdb watch KEY [RANGE_END] | --prefix`: prints every change as it happens. The client's
// Watch resumes on another node after a broken stream from the last delivered revision and
// position, so nothing is missed or repeated; the CLI retries until Ctrl-C (or SIGTERM), which
// ends the watch cleanly with exit 0.
import type { Command } from 'commander';
import type { WatchEvent, WatchQuery } from '../client/index.js';
import { argBytes, type ByteEncoding, type ByteOptions, encodingOf, showBytes, withByteOptions } from './bytes-args.js';
import { type CliIo, type CommonOptions, UsageError, kvJson, positiveInt, printJson, withClient, withCommonOptions } from './common.js';
import { signalWaiter } from './node.js';

interface WatchFlags extends CommonOptions, ByteOptions {
  prefix: boolean;
  rev?: number;
  prevKv: boolean;
}

/** Registers watch. */
export function registerWatchCommand(program: Command, io: CliIo): void {
  withByteOptions(
    withCommonOptions(
      program
        .command('watch')
        .description('print every change to a key, a range (KEY to RANGE_END) or a prefix until Ctrl-C')
        .argument('<key>')
        .argument('[range_end]', 'exclusive end of a range of keys'),
      io,
    ),
    true,
  )
    .option('--prefix', 'every key starting with KEY', false)
    .option('--rev <revision>', 'start at this revision (past changes first); default: changes from now on', positiveInt)
    .option('--prev-kv', 'print the value each change replaced', false)
    .addHelpText('after', `
Output (one line per change): PUT<TAB>key<TAB>value or DELETE<TAB>key, then with --prev-kv
<TAB>the previous value; -w json: one document per change,
{"type","revision","indexInRevision","kv":{...},"prevKv":{...}}. Ctrl-C ends it with exit 0.`)
    .action(async (keyArg: string, endArg: string | undefined, opts: WatchFlags) => {
      const enc = encodingOf(opts);
      const key = argBytes(keyArg, 'key', enc);
      if (opts.prefix && endArg !== undefined) throw new UsageError('give either --prefix or a range end, not both');
      const query: WatchQuery = opts.prefix ? { key, prefix: true } : endArg !== undefined ? { key, rangeEnd: argBytes(endArg, 'range_end', enc) } : { key };
      if (opts.rev) query.startRevision = opts.rev;
      await withClient(opts, (c) => streamChanges(io, c.watch(query), opts, enc));
    });
}

/** Prints changes until a signal ends the watch (exit 0) or it fails for good (the error is thrown). */
async function streamChanges(io: CliIo, watch: AsyncIterableIterator<WatchEvent>, opts: WatchFlags, enc: ByteEncoding): Promise<void> {
  const signals = signalWaiter();
  // A signal ends the iteration: return() settles the pending next() with done.
  void signals.stopped.then(() => watch.return?.());
  try {
    for await (const ev of watch) {
      if (opts.json) printJson(io, eventJson(ev, opts.prevKv));
      else io.out(eventText(ev, opts.prevKv, enc, opts.raw));
    }
  } finally {
    signals.dispose();
  }
}

function eventJson(ev: WatchEvent, prevKv: boolean): Record<string, unknown> {
  return {
    type: ev.type,
    revision: ev.revision,
    indexInRevision: ev.indexInRevision,
    kv: kvJson(ev.kv),
    ...(prevKv ? { prevKv: ev.prevKv ? kvJson(ev.prevKv) : null } : {}),
  };
}

function eventText(ev: WatchEvent, prevKv: boolean, enc: ByteEncoding, raw: boolean | undefined): Buffer {
  const parts = [Buffer.from(ev.type === 'put' ? 'PUT' : 'DELETE'), showBytes(ev.kv.key, enc, raw)];
  if (ev.type === 'put') parts.push(showBytes(ev.kv.value, enc, raw));
  if (prevKv) parts.push(ev.prevKv ? showBytes(ev.prevKv.value, enc, raw) : Buffer.alloc(0));
  const line: Buffer[] = [];
  parts.forEach((p, i) => line.push(...(i > 0 ? [Buffer.from('\t'), p] : [p])));
  return Buffer.concat([...line, Buffer.from('\n')]);
}
