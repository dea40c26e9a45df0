// Runs the raftdb command in-process with captured output (see src/cli/program.ts `run`).
import { run } from '../../src/cli/program.js';
import type { CliIo } from '../../src/cli/common.js';

/** What one invocation printed and returned. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout as the bytes written (for binary output). */
  stdoutBytes?: Buffer;
}

/** Runs `raftdb <argv...>` with the given environment and standard input. */
export async function raftdb(argv: string[], opts: { env?: Record<string, string>; stdin?: string | Buffer; priority?: CliIo['priority'] } = {}): Promise<CliResult> {
  const out: Buffer[] = [];
  let stderr = '';
  const io: CliIo = {
    out: (c) => void out.push(Buffer.from(c)),
    err: (t) => void (stderr += t),
    env: opts.env ?? {},
    stdin: () => Promise.resolve(Buffer.isBuffer(opts.stdin) ? opts.stdin : Buffer.from(opts.stdin ?? '')),
    ...(opts.priority ? { priority: opts.priority } : {}),
  };
  const code = await run(argv, io);
  const bytes = Buffer.concat(out);
  const result: CliResult = { code, stdout: bytes.toString('utf8'), stderr };
  // Only when the output is not text, so that toEqual on ordinary results stays as it was.
  if (!bytes.equals(Buffer.from(result.stdout, 'utf8'))) result.stdoutBytes = bytes;
  return result;
}
