// Asking for a password at a terminal without echoing it (raw mode, one key at a time).

/** Longest answer taken, in characters. */
const MAX_SECRET_CHARS = 4096;

/** Prompts on standard error and reads a line from the terminal on standard input, not echoed. */
export function terminalSecret(prompt: string): Promise<string> {
  const stdin = process.stdin;
  return new Promise((resolve, reject) => {
    let answer = '';
    const done = (err: Error | null): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(answer);
    };
    const onData = (chunk: Buffer): void => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done(null);
        if (ch === '\u0003') return done(new Error('cancelled'));
        if (ch === '\u007f' || ch === '\b') answer = answer.slice(0, -1);
        else if (answer.length < MAX_SECRET_CHARS) answer += ch;
      }
    };
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}
