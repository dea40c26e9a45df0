// Output formats of every client verb (`-w simple|json|table|fields`, `--json` = `-w json`) and
// the JSON form of a failure. Verbs write either their text (simple) or one JSON document per
// line (json); table and fields are rendered here from those documents, so every verb that has
// a JSON form has all four without code of its own, streaming verbs (watch, top) included.
import Table from 'cli-table3';

/** The formats of -w. */
export const OUTPUT_FORMATS = ['simple', 'json', 'table', 'fields'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** The format an argument list asks for before commander has parsed it (for usage errors). */
export function sniffFormat(argv: readonly string[]): OutputFormat {
  let format: OutputFormat = 'simple';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    let v: string | undefined;
    if (a === '--json') v = 'json';
    else if (a === '-w' || a === '--write-out') v = argv[i + 1];
    else if (a.startsWith('--write-out=')) v = a.slice('--write-out='.length);
    else if (a.startsWith('-w') && a.length > 2 && !a.startsWith('--')) v = a.slice(2);
    if (v && (OUTPUT_FORMATS as readonly string[]).includes(v)) format = v as OutputFormat;
  }
  return format;
}

/** A scalar for a table cell or a fields line: strings as they are, the rest as JSON. */
function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function table(head: string[], rows: string[][]): string {
  const t = new Table({ head, style: { head: [], border: [], compact: true } });
  for (const r of rows) t.push(r);
  return `${t.toString()}\n`;
}

function recordsTable(records: Record<string, unknown>[]): string {
  const columns: string[] = [];
  for (const r of records) for (const k of Object.keys(r)) if (!columns.includes(k)) columns.push(k);
  return table(columns.map((c) => c.toUpperCase()), records.map((r) => columns.map((c) => cell(r[c]))));
}

/**
 * A document as a table: an array of records one row each; an object with arrays of records
 * (kvs, members, events) as one table per array (titled with its name when there are several:
 * `history` has events and quorumLosses), its other scalar fields as lines below; any other
 * object as FIELD | VALUE rows.
 */
export function renderTable(doc: unknown): string {
  if (Array.isArray(doc) && doc.every(isRecord)) return doc.length === 0 ? '(none)\n' : recordsTable(doc);
  if (!isRecord(doc)) return `${cell(doc)}\n`;
  const lists = Object.entries(doc).filter(([, v]) => Array.isArray(v) && v.length > 0 && v.every(isRecord));
  if (lists.length > 0) {
    const names = new Set(lists.map(([name]) => name));
    const rest = Object.entries(doc).filter(([k, v]) => !names.has(k) && !isRecord(v) && !Array.isArray(v));
    const tables = lists.map(([name, list]) => (lists.length > 1 ? `${name}:\n` : '') + recordsTable(list as Record<string, unknown>[]));
    return tables.join('') + rest.map(([k, v]) => `${k}: ${cell(v)}\n`).join('');
  }
  return table(['FIELD', 'VALUE'], flatten(doc).map(([k, v]) => [k, cell(v)]));
}

/** Leaves of a document with their paths: a.b, list[0].c. */
export function flatten(v: unknown, path = ''): [string, unknown][] {
  if (Array.isArray(v)) return v.length === 0 ? [[path, []]] : v.flatMap((x, i) => flatten(x, `${path}[${i}]`));
  if (isRecord(v)) {
    const entries = Object.entries(v);
    if (entries.length === 0) return [[path, {}]];
    return entries.flatMap(([k, x]) => flatten(x, path ? `${path}.${k}` : k));
  }
  return [[path, v]];
}

/** A document as etcdctl's fields format: one `"path" : value` line per leaf (values as JSON). */
export function renderFields(doc: unknown): string {
  return flatten(doc).map(([k, v]) => `"${k}" : ${JSON.stringify(v) ?? 'null'}\n`).join('');
}

/** Writes through to `write`, rendering each complete JSON line in table or fields format. */
export class DocumentRenderer {
  private pending = '';
  constructor(private readonly write: (chunk: string | Uint8Array) => void) {}

  /** Takes output the verb wrote in JSON form. */
  push(format: 'table' | 'fields', chunk: string | Uint8Array): void {
    this.pending += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    // JSON.stringify never writes a raw newline, so each line is one whole document.
    for (let i = this.pending.indexOf('\n'); i >= 0; i = this.pending.indexOf('\n')) {
      const line = this.pending.slice(0, i);
      this.pending = this.pending.slice(i + 1);
      this.write(render(format, line));
    }
  }

  /** Whatever is left (a document cut short by a failure) is written as it is. */
  flush(): void {
    if (this.pending) this.write(`${this.pending}\n`);
    this.pending = '';
  }
}

function render(format: 'table' | 'fields', line: string): string {
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch {
    return `${line}\n`; // not a document: text, passed on
  }
  return format === 'table' ? renderTable(doc) : renderFields(doc);
}

/** The subset of CliIo the formatter wraps (see common.ts). */
interface WrappedIo {
  out(chunk: string | Uint8Array): void;
  format?: OutputFormat;
}

/**
 * Wraps the CLI's output: `format` is set by the verb's options before it runs (common.ts);
 * in table and fields formats the verb's JSON lines are rendered. `endsLine` says whether the
 * last byte written was a newline (an error document then starts on a line of its own).
 */
export function formatOutput<T extends WrappedIo>(inner: T, format: OutputFormat): T & { format: OutputFormat; finish(): void; readonly endsLine: boolean } {
  let endsLine = true;
  const write = (chunk: string | Uint8Array): void => {
    if (chunk.length === 0) return;
    endsLine = typeof chunk === 'string' ? chunk.endsWith('\n') : chunk[chunk.length - 1] === 10;
    inner.out(chunk);
  };
  const renderer = new DocumentRenderer(write);
  const wrapped = {
    ...inner,
    format,
    out(chunk: string | Uint8Array): void {
      if (wrapped.format === 'table' || wrapped.format === 'fields') renderer.push(wrapped.format, chunk);
      else write(chunk);
    },
    finish(): void {
      renderer.flush();
    },
    get endsLine(): boolean {
      return endsLine;
    },
  };
  return wrapped;
}
