// Command-line numbers of the benchmark scripts (scripts/bench-*.ts): `--name N`.

/**
 * The positive integer after `--name` in `argv`, or `fallback` when the flag is absent; anything
 * else ends the process with exit code 2 and a message naming `program` and the flag.
 */
export function positiveIntArg(program: string, name: string, fallback: number, argv: readonly string[] = process.argv): number {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const n = Number(argv[i + 1]);
  if (!Number.isSafeInteger(n) || n < 1) {
    process.stderr.write(`${program}: --${name} needs a positive integer\n`);
    process.exit(2);
  }
  return n;
}
