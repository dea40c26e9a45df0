// The `raftdb` command: every verb group registered on one commander program, and the single
// place where an error becomes a message and an exit code.
import { Command, CommanderError } from 'commander';
import { RaftdbError } from '../client/index.js';
import { registerBackupCommands } from './backup.js';
import { registerAuthCommands } from './auth.js';
import { NodeFatalError } from '../server/index.js';
import { registerAlarmCommands } from './alarm.js';
import { registerBenchCommands } from './bench.js';
import { registerCertsCommands } from './certs.js';
import { registerCheckCommands } from './check.js';
import { registerClusterCommands } from './cluster.js';
import { type CliIo, CliFailure, MemberRemovedError, UsageError } from './common.js';
import { registerDevCommand } from './dev.js';
import { registerDrillCommand } from './drill.js';
import { registerFailoverCommands } from './failover.js';
import { registerKvCommands } from './kv.js';
import { registerMaintenanceCommands } from './maintenance.js';
import { registerModeCommands } from './mode.js';
import { registerNodeCommands } from './node.js';
import { registerCompletionCommand } from './completion.js';
import { registerEndpointCommands } from './endpoint.js';
import { registerWatchCommand } from './watch.js';
import { errorDocument } from './error-json.js';
import { formatOutput, sniffFormat } from './output.js';
import { registerRestoreCommand } from './restore.js';
import { RAFTDB_VERSION } from '../version.js';

/** Exit codes: 0 success, 1 the request failed (or a node could not start), 2 bad usage, 3 a running node stopped on a fatal error. */
import { EXIT_FAILED, EXIT_FATAL, EXIT_OK, EXIT_REMOVED, EXIT_USAGE } from '../common/exit-codes.js';

export { EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_FATAL, EXIT_REMOVED };

/** Builds the program; errors are thrown (exitOverride), never exit the process. */
export function createProgram(io: CliIo): Command {
  const program = new Command('raftdb')
    .description('raftdb: a Raft-based key-value database')
    .version(RAFTDB_VERSION)
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (s) => io.out(s),
      writeErr: (s) => io.err(s),
      outputError: (s, write) => write(`raftdb: ${s.replace(/^error: /, '')}`),
    });
  registerKvCommands(program, io);
  registerClusterCommands(program, io);
  registerFailoverCommands(program, io);
  registerModeCommands(program, io);
  registerBenchCommands(program, io);
  registerDevCommand(program, io);
  registerDrillCommand(program, io);
  registerNodeCommands(program, io);
  registerMaintenanceCommands(program, io);
  registerCertsCommands(program, io);
  registerBackupCommands(program, io);
  registerCheckCommands(program, io);
  registerRestoreCommand(program, io);
  registerAuthCommands(program, io);
  registerAlarmCommands(program, io);
  registerWatchCommand(program, io);
  registerEndpointCommands(program, io);
  registerCompletionCommand(program, io); // reads the whole tree when it runs
  return program;
}

/** Runs the command line `argv` (without node and script) and returns the exit code. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  // The format is known before parsing (a usage error with --json is a JSON document too), and
  // set again from the verb's parsed options (common.ts).
  const out = formatOutput(io, sniffFormat(argv));
  const program = createProgram(out);
  try {
    await program.parseAsync(argv, { from: 'user' });
    out.finish();
    return EXIT_OK;
  } catch (err) {
    out.finish();
    const code = report(err, out);
    if (code !== EXIT_OK && out.format === 'json') {
      // Every failure with -w json is one document on stdout, on a line of its own.
      io.out(`${out.endsLine ? '' : '\n'}${JSON.stringify(errorDocument(err, code))}\n`);
    }
    return code;
  }
}

function report(err: unknown, io: CliIo): number {
  if (err instanceof CommanderError) {
    // commander has already printed its message (or the help text).
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT_OK;
    return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  }
  if (err instanceof UsageError) {
    io.err(`raftdb: ${err.message}\n(run with --help for usage)\n`);
    return EXIT_USAGE;
  }
  if (err instanceof RaftdbError) {
    const tries = err.attempts > 1 ? ` (after ${err.attempts} attempts)` : '';
    const leader = err.leader ? ` (leader: ${err.leader})` : '';
    io.err(`raftdb: ${err.code}: ${err.details}${leader}${tries}\n`);
    return EXIT_FAILED;
  }
  if (err instanceof MemberRemovedError) {
    io.err(`raftdb: ${err.message}\n`);
    return EXIT_REMOVED;
  }
  if (err instanceof NodeFatalError) {
    io.err(`raftdb: ${err.message}\n`);
    return EXIT_FATAL;
  }
  if (err instanceof CliFailure) {
    io.err(`raftdb: ${err.message}\n`);
    return EXIT_FAILED;
  }
  // Not an expected failure: still one line, with the stack only on request.
  const e = err instanceof Error ? err : new Error(String(err));
  io.err(`raftdb: ${e.message}\n${io.env.RAFTDB_DEBUG ? `${e.stack}\n` : ''}`);
  return EXIT_FAILED;
}
