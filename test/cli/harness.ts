// Runs the raftdb command in-process with captured output (see src/cli/program.ts `run`).
import { run } from '../../src/cli/program.js';
import type { CliIo } from '../../src/cli/common.js';

/** What one invocation printed and returned. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `raftdb <argv...>` with the given environment and standard input. */
export async function raftdb(argv: string[], opts: { env?: Record<string, string>; stdin?: string } = {}): Promise<CliResult> {
  const out: Buffer[] = [];
  let stderr = '';
  const io: CliIo = {
    out: (c) => void out.push(Buffer.from(c)),
    err: (t) => void (stderr += t),
    env: opts.env ?? {},
    stdin: () => Promise.resolve(Buffer.from(opts.stdin ?? '')),
  };
  const code = await run(argv, io);
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr };
}
