// What every client verb shares: --endpoints / --json / --timeout, the client they build, output
// helpers, and the errors that decide the exit code (2: usage, 1: the request failed).
import Table from 'cli-table3';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { type AuthOptions, type ClientTlsOptions, type RaftdbClient, connect } from '../client/index.js';
import { isEndpoint } from '../client/errors.js';
import { OUTPUT_FORMATS, type OutputFormat } from './output.js';

/** The local dev cluster, used when neither --endpoints nor RAFTDB_ENDPOINTS is given. */
export const DEFAULT_ENDPOINTS = '127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003';

/** Where the CLI writes: the process streams in main.ts, buffers in tests. */
export interface CliIo {
  out(chunk: string | Uint8Array): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
  /** Read all of standard input (for `txn -`). */
  stdin(): Promise<Buffer>;
  /**
   * Ask for a secret without echoing it (a terminal); absent or without a terminal, the next
   * line of standard input is the answer.
   */
  readSecret?(prompt: string): Promise<string>;
  /** The verb's output format (-w), set from its options before it runs; absent: simple. */
  format?: OutputFormat;
  /**
   * This process's scheduling priority (priority.ts), which bulk work lowers: the real command
   * only. Absent (raftdb run in-process, as tests do), the process is left as it is.
   */
  priority?: {
    /** Lowers every thread to at least this nice value. */
    lower(nice: number): void;
    /** The lowest nice value among the process's threads. */
    current(): number;
  };
}

/** Bad invocation: exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * An expected failure that is not a gRPC error (e.g. key not found): exit code 1. With -w json it
 * is printed as `{...fields, "error": {"code", "message"}}`: `code` names the failure
 * (NOT_FOUND, or the server's code for a refusal), `fields` what the verb knows besides.
 */
export class CliFailure extends Error {
  override readonly name = 'CliFailure';
  constructor(
    message: string,
    readonly code = 'FAILED',
    readonly fields: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** `raftdb serve`: the node was removed from the cluster and has closed (exit code 4). */
export class MemberRemovedError extends Error {
  override readonly name = 'MemberRemovedError';
  constructor(readonly nodeId: string) {
    super(`node ${nodeId} was removed from the cluster and has stopped; delete its data directory before adding it again`);
  }
}

/** Options every client verb takes. */
export interface CommonOptions {
  endpoints: string;
  /** True for -w json (and --json), and for table and fields, which are rendered from the JSON form. */
  json: boolean;
  writeOut?: OutputFormat;
  timeout: number;
  /** TLS: CA bundle, client certificate and key (or their RAFTDB_CACERT/CERT/KEY variables). */
  cacert?: string;
  cert?: string;
  key?: string;
  /** --user name[:password] (or RAFTDB_USER); resolved into `auth` before the action runs. */
  user?: string;
  auth?: AuthOptions;
}

/** Parses a positive integer option value (commander reports a usage error otherwise). */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

/** Parses a non-negative integer option value (commander reports a usage error otherwise). */
export function nonNegativeInt(value: string): number {
  return value === '0' ? 0 : positiveInt(value);
}

/**
 * An integer setting given as text (a flag or an environment variable), checked against
 * [min, max]; `name` says where it came from, e.g. "--failback-delay-ms (RAFTDB_FAILBACK_DELAY_MS)".
 */
export function intSetting(value: string, name: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${name}: "${value}" is not an integer from ${min} to ${max}`);
  }
  return n;
}

/**
 * Adds --json and -w/--write-out: the verb then sees `json` true for json, table and fields (it
 * writes JSON; output.ts renders table and fields from it) and io.format says which.
 */
export function withOutputOptions(cmd: Command, io: CliIo, jsonHelp = 'machine-readable output (same as -w json)'): Command {
  return cmd
    .option('--json', jsonHelp, false)
    .addOption(new Option('-w, --write-out <format>', 'output format').choices(OUTPUT_FORMATS).default('simple'))
    .hook('preAction', (_cmd, action) => {
      const o = action.opts<{ json?: boolean; writeOut?: OutputFormat }>();
      if (o.json && o.writeOut !== 'simple' && o.writeOut !== 'json') throw new UsageError(`--json and -w ${o.writeOut} contradict each other`);
      const format: OutputFormat = o.json ? 'json' : (o.writeOut ?? 'simple');
      action.setOptionValue('json', format !== 'simple');
      action.setOptionValue('writeOut', format);
      io.format = format;
    });
}

/** Adds --endpoints, --json, -w and --timeout (default `defaultTimeoutMs`) to a verb. */
export function withCommonOptions(cmd: Command, io: CliIo, defaultTimeoutMs = 5000): Command {
  return withOutputOptions(cmd, io)
    .addOption(
      // Read from io.env rather than with Option.env() so tests need not touch process.env.
      new Option('--endpoints <list>', 'comma-separated host:port of cluster nodes (env: RAFTDB_ENDPOINTS)').default(
        io.env.RAFTDB_ENDPOINTS || DEFAULT_ENDPOINTS,
      ),
    )
    .option('--timeout <ms>', 'time allowed per request: retries with back-off until it is spent', positiveInt, defaultTimeoutMs)
    .addOption(envOption('--cacert <file>', 'CA bundle that verifies the nodes; TLS on when given', 'RAFTDB_CACERT', io))
    .addOption(envOption('--cert <file>', 'client certificate', 'RAFTDB_CERT', io))
    .addOption(envOption('--key <file>', 'client certificate key', 'RAFTDB_KEY', io))
    .addOption(envOption('--user <name[:password]>', 'authenticate as this user; without :password it is asked for', 'RAFTDB_USER', io))
    .hook('preAction', async (_cmd, action) => {
      const user = action.opts<CommonOptions>().user;
      if (user !== undefined) action.setOptionValue('auth', await userOption(user, io));
    });
}

/** The user and password of --user name[:password]; the password is asked for when absent. */
export async function userOption(value: string, io: CliIo): Promise<AuthOptions> {
  const colon = value.indexOf(':');
  const user = colon < 0 ? value : value.slice(0, colon);
  if (user.length === 0) throw new UsageError('--user: the user name is empty');
  if (colon >= 0) return { user, password: value.slice(colon + 1) };
  return { user, password: await readSecret(io, `Password of ${user}: `) };
}

/** Lines of standard input not yet used as answers, when there is no terminal to ask. */
const answers = new WeakMap<CliIo, Promise<string[]>>();

/** Asks for a secret (see CliIo.readSecret); an empty answer is a usage error. */
export async function readSecret(io: CliIo, prompt: string): Promise<string> {
  let answer: string | undefined;
  if (io.readSecret) answer = await io.readSecret(prompt);
  else {
    let lines = answers.get(io);
    if (!lines) {
      lines = io.stdin().then((b) => b.toString('utf8').split(/\r?\n/));
      answers.set(io, lines);
    }
    answer = (await lines).shift();
  }
  if (!answer) throw new UsageError(`no answer to "${prompt.trim()}" (give name:password, or type it at a terminal)`);
  return answer;
}

/** An option whose default comes from `variable` in the CLI's environment (tests pass their own). */
function envOption(flags: string, description: string, variable: string, io: CliIo): Option {
  const o = new Option(flags, `${description} (env: ${variable})`);
  const v = io.env[variable];
  return v ? o.default(v) : o;
}

/** The client TLS options of a verb (undefined: plaintext). */
export function clientTls(opts: Pick<CommonOptions, 'cacert' | 'cert' | 'key'>): ClientTlsOptions | undefined {
  if (!opts.cacert && !opts.cert && !opts.key) return undefined;
  if (Boolean(opts.cert) !== Boolean(opts.key)) throw new UsageError('--cert and --key go together');
  return { ...(opts.cacert ? { caFile: opts.cacert } : {}), ...(opts.cert ? { certFile: opts.cert } : {}), ...(opts.key ? { keyFile: opts.key } : {}) };
}

/** The endpoints of --endpoints, validated. */
export function parseEndpoints(list: string): string[] {
  const endpoints = list.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (endpoints.length === 0) throw new UsageError('--endpoints must name at least one host:port');
  for (const e of endpoints) if (!isEndpoint(e)) throw new UsageError(`--endpoints: "${e}" is not host:port`);
  return endpoints;
}

/** Attempts of one call: high enough that --timeout, not a count, ends the retries. */
export const CLI_MAX_ATTEMPTS = 1_000_000;

/** Runs `fn` with a client for the verb's options, closing it afterwards. */
export async function withClient<T>(opts: CommonOptions, fn: (client: RaftdbClient) => Promise<T>): Promise<T> {
  const tls = clientTls(opts);
  // --timeout is the whole budget: attempts go on (with back-off) until it is spent.
  const client = connect({ endpoints: parseEndpoints(opts.endpoints), timeoutMs: opts.timeout, retry: { maxAttempts: CLI_MAX_ATTEMPTS }, ...(tls ? { tls } : {}), ...(opts.auth ? { auth: opts.auth } : {}) });
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

/** Writes one JSON document and a newline. */
export function printJson(io: CliIo, value: unknown): void {
  io.out(`${JSON.stringify(value)}\n`);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A key or value for JSON output: `{name: text}` when it is UTF-8, else `{nameBase64: ...}`. */
export function bytesJson(name: string, b: Buffer): Record<string, string> {
  try {
    return { [name]: utf8.decode(b) };
  } catch {
    return { [`${name}Base64`]: b.toString('base64') };
  }
}

/** A key-value record as JSON. */
export function kvJson(kv: { key: Buffer; value: Buffer; createRevision: number; modRevision: number; version: number }): Record<string, unknown> {
  return {
    ...bytesJson('key', kv.key),
    ...bytesJson('value', kv.value),
    createRevision: kv.createRevision,
    modRevision: kv.modRevision,
    version: kv.version,
  };
}

/** A text table for people: no colours, since scripts and logs read the output as often. */
export function textTable(head: string[]): Table.Table {
  return new Table({ head, style: { head: [], border: [], compact: true } });
}
