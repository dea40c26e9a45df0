// The Wing–Gong–Lowe linearizability search for one partition (one key), with Lowe's cache of
// (linearized set, state), in the shape of Porcupine's checkSingle: call and return events in a
// doubly linked list sorted by time; an operation is linearized by "lifting" its call and return
// out of the list; meeting a return event means some operation that had to be linearized by then
// was not, so the search backtracks. The cache prunes configurations already explored: the
// future only depends on which operations are linearized and the resulting state.

import type { Model } from './model.js';

/** One operation as the search sees it; `returnNs` is Infinity when its outcome is unknown. */
export interface SearchOp<I, O> {
  input: I;
  /** Undefined when the outcome is unknown: the model then accepts any effect the op has. */
  output: O | undefined;
  callNs: number;
  returnNs: number;
}

/** Bounds on one search; exceeding either yields an `unknown` verdict instead of running on. */
export interface SearchBudget {
  maxSteps: number;
  /** Absolute `performance.now()` deadline in milliseconds. */
  deadlineMs: number;
}

/** Result of one search. `order` is a witness linearization (indices into the input). */
export interface SearchResult {
  verdict: boolean | 'unknown';
  steps: number;
  exhausted?: 'steps' | 'time';
  order?: number[];
  /**
   * When not linearizable: the op whose return stopped the deepest partial linearization — the
   * first operation that no order of its predecessors could explain; a hint for shrinking.
   */
  blockedAt?: number;
}

const HEAD = 0;
const NONE = -1;
/** How many steps between clock reads: performance.now() costs more than a step. */
const CLOCK_CHECK_MASK = 0x3ff;

interface EventList {
  next: Int32Array;
  prev: Int32Array;
  /** Operation index of each node. */
  opOf: Int32Array;
  /** For a call node, its return node; NONE for return nodes. */
  matchOf: Int32Array;
}

/** Nodes 1..2n are call/return events sorted by time; node 0 is the head sentinel. */
function buildEventList<I, O>(ops: readonly SearchOp<I, O>[]): EventList {
  const n = ops.length;
  const events: number[] = [];
  for (let i = 0; i < n; i++) events.push(2 * i, 2 * i + 1);
  const time = (e: number): number => ((e & 1) === 0 ? ops[e >> 1].callNs : ops[e >> 1].returnNs);
  // On equal times calls sort first, so operations touching at an instant count as concurrent:
  // the checker never invents a real-time order the clock could not resolve.
  events.sort((a, b) => time(a) - time(b) || (a & 1) - (b & 1) || a - b);
  const size = 2 * n + 1;
  const list: EventList = {
    next: new Int32Array(size),
    prev: new Int32Array(size),
    opOf: new Int32Array(size).fill(NONE),
    matchOf: new Int32Array(size).fill(NONE),
  };
  const returnNode = new Int32Array(n);
  events.forEach((e, p) => {
    const node = p + 1;
    list.opOf[node] = e >> 1;
    list.prev[node] = p;
    list.next[node] = p + 2 < size ? p + 2 : NONE;
    if ((e & 1) === 1) returnNode[e >> 1] = node;
  });
  list.next[HEAD] = n > 0 ? 1 : NONE;
  for (let node = 1; node < size; node++) {
    const op = list.opOf[node];
    if (returnNode[op] !== node) list.matchOf[node] = returnNode[op];
  }
  return list;
}

function unlink(l: EventList, node: number): void {
  const p = l.prev[node];
  const nx = l.next[node];
  l.next[p] = nx;
  if (nx !== NONE) l.prev[nx] = p;
}

/** Relinks a node using the neighbours it had when unlinked (dancing links). */
function relink(l: EventList, node: number): void {
  const nx = l.next[node];
  l.next[l.prev[node]] = node;
  if (nx !== NONE) l.prev[nx] = node;
}

/** Deterministic per-operation random words, so a set's hash is the XOR of its members'. */
function zobristWords(n: number): Uint32Array {
  const words = new Uint32Array(n);
  let x = 0x9e3779b9;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return words;
}

interface CacheEntry<S> {
  bits: Uint32Array;
  state: S;
}

function sameBits(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Decides whether `ops` has a linearization under `model`, within `budget`. */
export function searchLinearization<S, I, O>(ops: readonly SearchOp<I, O>[], model: Model<S, I, O>, budget: SearchBudget): SearchResult {
  const n = ops.length;
  const list = buildEventList(ops);
  const bits = new Uint32Array(Math.ceil(n / 32));
  const zobrist = zobristWords(n);
  const cache = new Map<string, CacheEntry<S>[]>();
  const stackNode = new Int32Array(n);
  const stackState: S[] = new Array<S>(n);
  const completed = ops.reduce((c, o) => (o.returnNs === Infinity ? c : c + 1), 0);
  let depth = 0;
  let linearizedCompleted = 0;
  let setHash = 0;
  let state = model.init();
  let entry = list.next[HEAD];
  let steps = 0;
  let deepest = -1;
  let blockedAt = -1;

  // Done once every completed op is linearized: the open (unknown) ops left over are placed
  // after everything else, where the model accepts them whatever they do — the same as
  // saying they never took effect.
  while (linearizedCompleted < completed) {
    if (++steps > budget.maxSteps) return { verdict: 'unknown', steps, exhausted: 'steps' };
    if ((steps & CLOCK_CHECK_MASK) === 0 && performance.now() > budget.deadlineMs) {
      return { verdict: 'unknown', steps, exhausted: 'time' };
    }
    const op = list.opOf[entry];
    if (list.matchOf[entry] !== NONE) {
      const o = ops[op];
      const r = model.step(state, o.input, o.output);
      if (r.ok) {
        const word = op >>> 5;
        const bit = 1 << (op & 31);
        bits[word] |= bit;
        const hash = (setHash ^ zobrist[op]) >>> 0;
        const key = `${hash}:${model.hash(r.state)}`;
        const bucket = cache.get(key);
        const seen = bucket?.some((c) => sameBits(c.bits, bits) && model.equal(c.state, r.state)) ?? false;
        if (!seen) {
          if (bucket === undefined) cache.set(key, [{ bits: bits.slice(), state: r.state }]);
          else bucket.push({ bits: bits.slice(), state: r.state });
          stackNode[depth] = entry;
          stackState[depth] = state;
          depth++;
          state = r.state;
          setHash = hash;
          if (o.returnNs !== Infinity) linearizedCompleted++;
          unlink(list, entry);
          unlink(list, list.matchOf[entry]);
          entry = list.next[HEAD];
          continue;
        }
        bits[word] &= ~bit;
      }
      entry = list.next[entry];
    } else {
      // A return event: its operation must precede everything after it, yet no choice so far
      // could linearize it. Undo the most recent choice and try the next candidate.
      if (depth > deepest) {
        deepest = depth;
        blockedAt = op;
      }
      if (depth === 0) return { verdict: false, steps, blockedAt };
      depth--;
      entry = stackNode[depth];
      state = stackState[depth];
      const undone = list.opOf[entry];
      bits[undone >>> 5] &= ~(1 << (undone & 31));
      setHash = (setHash ^ zobrist[undone]) >>> 0;
      if (ops[undone].returnNs !== Infinity) linearizedCompleted--;
      relink(list, list.matchOf[entry]);
      relink(list, entry);
      entry = list.next[entry];
    }
  }
  const order: number[] = [];
  for (let i = 0; i < depth; i++) order.push(list.opOf[stackNode[i]]);
  return { verdict: true, steps, order };
}
