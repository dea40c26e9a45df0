// Reading V8 CPU profiles (node --cpu-prof, `bench:vs-etcd --cpu-prof DIR`): self time by
// function and by package, and the folded stacks ("a;b;c <µs>" per line, Brendan Gregg's
// format) that flame-graph.ts draws. A profile is a call tree whose nodes are hit by samples;
// each sample's time is the delta to the next one, so a node's self time is the sum of the
// deltas of the samples that hit it.

/** One call frame of a .cpuprofile. */
export interface ProfileFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

/** The parts of a .cpuprofile this reads. */
export interface CpuProfile {
  nodes: { id: number; callFrame: ProfileFrame; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

/** Time in µs per name, largest first. */
export type TimeTable = { name: string; us: number }[];

/** V8's pseudo-frames: not code anyone can change, kept apart in the tables. */
const PSEUDO = new Set(['(root)', '(program)', '(idle)', '(garbage collector)']);

/** Each call-tree node's parent, and the nodes by id. */
function treeIndex(p: CpuProfile): { parent: Map<number, number>; byId: Map<number, CpuProfile['nodes'][number]> } {
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  return { parent, byId: new Map(p.nodes.map((n) => [n.id, n])) };
}

/** µs of self time per call-tree node id. */
function selfTimes(p: CpuProfile): Map<number, number> {
  const self = new Map<number, number>();
  // timeDeltas[i] is the time between sample i-1 and sample i: charge it to sample i-1's node.
  for (let i = 0; i < p.samples.length; i++) {
    const us = p.timeDeltas[i + 1] ?? 0;
    const id = p.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + Math.max(0, us));
  }
  return self;
}

/** A frame as one readable name: function, file (shortened) and line. */
export function frameName(f: ProfileFrame): string {
  if (PSEUDO.has(f.functionName)) return f.functionName;
  const fn = f.functionName || '(anonymous)';
  if (!f.url) return `${fn} [native]`;
  return `${fn} ${shortUrl(f.url)}:${f.lineNumber + 1}`;
}

/** The part of a script's URL worth reading: node_modules/<pkg>/..., dist/src/..., node:... */
function shortUrl(url: string): string {
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  // The build's output directory: dist/, or a copy of it (dist-before/ for an A/B).
  const built = /\/dist[^/]*\/(.*)$/.exec(url);
  if (built) return built[1]!;
  return url.replace(/^file:\/\//, '');
}

/** Which package or part a frame belongs to: a node_modules package, raftdb's own layer, node, V8. */
export function packageOf(f: ProfileFrame): string {
  if (PSEUDO.has(f.functionName)) return f.functionName;
  const url = f.url;
  if (!url) return '(native / V8 builtins)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + 'node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  const src = url.match(/\/dist[^/]*\/src\/([^/]+)\//);
  if (src) return `raftdb src/${src[1]}`;
  return url;
}

/** Self time summed by a key of the frame, largest first, and the profile's total. */
export function selfTimeBy(p: CpuProfile, key: (f: ProfileFrame) => string): { total: number; rows: TimeTable } {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const sums = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfTimes(p)) {
    const node = byId.get(id);
    if (!node) continue;
    const name = key(node.callFrame);
    sums.set(name, (sums.get(name) ?? 0) + us);
    total += us;
  }
  const rows = [...sums].map(([name, us]) => ({ name, us })).sort((a, b) => b.us - a.us);
  return { total, rows };
}

/**
 * Total (inclusive) time by a key of the frame: the time of every sample with that key anywhere
 * on its stack, counted once per sample even when the key recurs, largest first.
 */
export function totalTimeBy(p: CpuProfile, key: (f: ProfileFrame) => string): { total: number; rows: TimeTable } {
  const { parent, byId } = treeIndex(p);
  const sums = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfTimes(p)) {
    if (byId.get(id)?.callFrame.functionName === '(idle)') continue;
    total += us;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = key(byId.get(at)!.callFrame);
      if (seen.has(name)) continue;
      seen.add(name);
      sums.set(name, (sums.get(name) ?? 0) + us);
    }
  }
  const rows = [...sums].map(([name, us]) => ({ name, us })).sort((a, b) => b.us - a.us);
  return { total, rows };
}

/**
 * Folded stacks: one line per distinct stack, frames root first, joined by ';', and its self time
 * in µs. `(idle)` is left out (a flame graph of where the CPU went, not of waiting).
 */
export function foldedStacks(p: CpuProfile): string[] {
  const { parent, byId } = treeIndex(p);
  const lines = new Map<string, number>();
  for (const [id, us] of selfTimes(p)) {
    const frames: string[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at)!.callFrame;
      if (f.functionName === '(root)') break;
      frames.push(frameName(f).replaceAll(';', ','));
    }
    if (frames[0] === '(idle)' || us <= 0) continue;
    const stack = frames.reverse().join(';');
    lines.set(stack, (lines.get(stack) ?? 0) + us);
  }
  return [...lines].map(([stack, us]) => `${stack} ${Math.round(us)}`);
}
