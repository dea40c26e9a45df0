// A small YAML reader for the block-style files under deploy/ (no YAML library is installed):
// mappings, sequences, plain / single- / double-quoted scalars, comments, the flow forms
// [] {} and [a, "b, c"], anchors on mapping values (`key: &name`), aliases (`key: *name`) and
// merge keys (`<<: *name`, whose keys the mapping's own keys override), as the compose files use
// them. Anything else (block scalars, multi-line flow, anchors elsewhere) is an error with the
// line number, so a file that drifts outside the subset fails loudly instead of parsing wrong.

/** A parsed YAML value. */
export type Yaml = string | number | boolean | null | Yaml[] | { [key: string]: Yaml };

interface Line {
  no: number;
  indent: number;
  text: string;
}

/** Anchored values of the document being parsed. */
let anchors = new Map<string, Yaml>();

/** Parses one YAML document in the subset described above. */
export function parseYaml(source: string): Yaml {
  anchors = new Map();
  const lines: Line[] = [];
  source.split('\n').forEach((raw, i) => {
    if (raw.includes('\t')) throw new Error(`line ${i + 1}: tabs are not allowed`);
    const text = stripComment(raw).trimEnd();
    if (text.trim() !== '') lines.push({ no: i + 1, indent: text.length - text.trimStart().length, text: text.trimStart() });
  });
  if (lines.length === 0) return null;
  const [value, next] = block(lines, 0, lines[0]!.indent);
  if (next < lines.length) throw new Error(`line ${lines[next]!.no}: unexpected indentation`);
  return value;
}

function block(lines: Line[], i: number, indent: number): [Yaml, number] {
  return lines[i]!.text.startsWith('- ') || lines[i]!.text === '-' ? sequence(lines, i, indent) : mapping(lines, i, indent);
}

function sequence(lines: Line[], i: number, indent: number): [Yaml[], number] {
  const out: Yaml[] = [];
  while (i < lines.length && lines[i]!.indent === indent && (lines[i]!.text.startsWith('- ') || lines[i]!.text === '-')) {
    const rest = lines[i]!.text.slice(1).trimStart();
    if (rest === '') {
      const [v, n] = nested(lines, i + 1, indent);
      out.push(v);
      i = n;
    } else if (keyOf(rest) !== null) {
      // "- key: value" opens a mapping whose keys sit two columns right of the dash.
      const inner = indent + (lines[i]!.text.length - rest.length);
      const copy = [...lines];
      copy[i] = { no: lines[i]!.no, indent: inner, text: rest };
      const [v, n] = mapping(copy, i, inner);
      out.push(v);
      i = n;
    } else {
      out.push(scalar(rest, lines[i]!.no));
      i++;
    }
  }
  return [out, i];
}

function mapping(lines: Line[], i: number, indent: number): [{ [key: string]: Yaml }, number] {
  const out: { [key: string]: Yaml } = {};
  /** Keys that came from a merge (`<<`): the mapping's own keys may override them. */
  const merged = new Set<string>();
  while (i < lines.length && lines[i]!.indent === indent) {
    const line = lines[i]!;
    const key = keyOf(line.text);
    if (key === null) throw new Error(`line ${line.no}: expected "key: value", got "${line.text}"`);
    if (key.name in out && !merged.has(key.name)) throw new Error(`line ${line.no}: duplicate key ${key.name}`);
    const anchor = /^&([\w-]+)(?:\s+(.*))?$/.exec(key.rest);
    const rest = anchor ? (anchor[2] ?? '') : key.rest;
    let value: Yaml;
    if (rest !== '') {
      value = rest.startsWith('*') ? alias(rest, line.no) : scalar(rest, line.no);
      i++;
    } else {
      const next = lines[i + 1];
      // A sequence may sit at the same indentation as its key ("key:\n- a").
      if (next && next.indent === indent && next.text.startsWith('- ')) [value, i] = sequence(lines, i + 1, indent);
      else [value, i] = nested(lines, i + 1, indent);
    }
    if (anchor) anchors.set(anchor[1]!, value);
    if (key.name !== '<<') {
      out[key.name] = value;
      merged.delete(key.name);
      continue;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`line ${line.no}: << merges a mapping only`);
    for (const [k, v] of Object.entries(value)) {
      if (k in out) continue; // the mapping's own key wins
      out[k] = v;
      merged.add(k);
    }
  }
  return [out, i];
}

function alias(text: string, no: number): Yaml {
  const name = /^\*([\w-]+)$/.exec(text)?.[1];
  if (name === undefined || !anchors.has(name)) throw new Error(`line ${no}: unknown alias ${text}`);
  return structuredClone(anchors.get(name)!);
}

/** The items of a one-line flow sequence, split at commas outside quotes. */
function flowItems(inner: string, no: number): Yaml[] {
  const items: string[] = [];
  let start = 0;
  outsideQuotes(inner, (c, i) => {
    if (c === ',') {
      items.push(inner.slice(start, i));
      start = i + 1;
    }
    return false;
  });
  items.push(inner.slice(start));
  return items.map((s) => scalar(s.trim(), no));
}

/**
 * Calls `visit` with each character of `text` that is not inside a quoted string, until it returns
 * true; returns that character's index, or -1.
 */
function outsideQuotes(text: string, visit: (c: string, i: number) => boolean): number {
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (visit(c, i)) return i;
  }
  return -1;
}

function nested(lines: Line[], i: number, parent: number): [Yaml, number] {
  if (i >= lines.length || lines[i]!.indent <= parent) return [null, i];
  return block(lines, i, lines[i]!.indent);
}

function keyOf(text: string): { name: string; rest: string } | null {
  const quoted = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*')\s*:(?:\s+(.*))?$/.exec(text);
  if (quoted) return { name: scalar(quoted[1]!, 0) as string, rest: quoted[2] ?? '' };
  const m = /^([^\s'"[\]{}#,:][^:#]*?)\s*:(?:\s+(.*))?$/.exec(text);
  return m ? { name: m[1]!, rest: m[2] ?? '' } : null;
}

function scalar(text: string, no: number): Yaml {
  if (text.startsWith('"')) {
    if (!/^"(?:[^"\\]|\\.)*"$/.test(text)) throw new Error(`line ${no}: bad double-quoted string`);
    return JSON.parse(text) as string;
  }
  if (text.startsWith("'")) {
    if (!/^'(?:[^']|'')*'$/.test(text)) throw new Error(`line ${no}: bad single-quoted string`);
    return text.slice(1, -1).replace(/''/g, "'");
  }
  if (text === '[]') return [];
  if (text === '{}') return {};
  if (text.startsWith('[') && text.endsWith(']')) return flowItems(text.slice(1, -1), no);
  if (/^[[{&*!|>]/.test(text)) throw new Error(`line ${no}: "${text}" is outside the supported YAML subset`);
  if (text === 'true' || text === 'false') return text === 'true';
  if (text === 'null' || text === '~') return null;
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  return text;
}

/** Drops a trailing "# comment" that is not inside quotes. */
function stripComment(line: string): string {
  const at = outsideQuotes(line, (c, i) => c === '#' && (i === 0 || line[i - 1] === ' '));
  return at < 0 ? line : line.slice(0, at);
}
