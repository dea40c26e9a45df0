#!/usr/bin/env node
// Entry point of the `raftdb` command (package.json bin): real streams in, exit code out.
import { type CliIo, UsageError } from './common.js';
import { run } from './program.js';
import { lowerOwnPriority, threadNiceValues } from './priority.js';
import { terminalSecret } from './secret.js';

/** A txn spec is small; more than this on stdin is a mistake (e.g. the wrong file piped in). */
const MAX_STDIN_BYTES = 16 * 1024 * 1024;

// grpc-js sends the endpoint's host as TLS server name even when it is an IP address, and Node
// then prints DEP0123 (RFC 6066 forbids IP server names) on every TLS connection to 127.0.0.1.
// The certificate is still checked against the IP; the warning tells an operator nothing.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]): void => {
  const code = typeof rest[0] === 'object' && rest[0] !== null ? (rest[0] as { code?: string }).code : rest[1];
  if (code === 'DEP0123') return;
  // The AWS SDK (loaded for s3:// backups only) announces that future releases will need Node 22:
  // nothing an operator of this release can act on.
  if (typeof warning === 'string' && warning.startsWith('NodeVersionSupportWarning')) return;
  (emitWarning as (w: string | Error, ...r: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;

const io: CliIo = {
  out: (chunk) => void process.stdout.write(chunk),
  err: (text) => void process.stderr.write(text),
  env: process.env,
  stdin: async () => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    for await (const c of process.stdin) {
      bytes += (c as Buffer).length;
      if (bytes > MAX_STDIN_BYTES) throw new UsageError(`standard input is larger than ${MAX_STDIN_BYTES} bytes`);
      chunks.push(c as Buffer);
    }
    return Buffer.concat(chunks);
  },
  // Without a terminal, passwords are the next lines of standard input (common.ts#readSecret).
  ...(process.stdin.isTTY ? { readSecret: terminalSecret } : {}),
  priority: { lower: (nice) => void lowerOwnPriority(nice), current: () => Math.min(...threadNiceValues()) },
};

// The process ends by itself once output has drained; the unref'd timer only ends one that
// something (a channel still closing, a node that would not stop) holds open.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0); // `raftdb scan | head` is not an error
});
const code = await run(process.argv.slice(2), io);
process.exitCode = code;
setTimeout(() => process.exit(code), 1000).unref();
