// Sequential specifications the checker linearizes against. A model is a plain object: the
// search only needs to start a state, step it, and recognise a state it has seen before.

import type { Op, OpResult, Value } from './recorder.js';

/** Outcome of applying one operation to a state: `ok` is false when the output is impossible. */
export interface StepResult<S> {
  ok: boolean;
  state: S;
}

/**
 * A sequential object. `step` receives `output === undefined` when the operation's outcome is
 * unknown; it must then return `ok: true` with the state the operation would produce, because
 * an unknown operation may have happened whatever it would have returned. States are immutable.
 */
export interface Model<S, I = Op, O = OpResult> {
  name: string;
  init(): S;
  step(state: S, input: I, output: O | undefined): StepResult<S>;
  /** Equal states must hash equal; the search caches (linearized set, state) by it. */
  hash(state: S): string;
  equal(a: S, b: S): boolean;
  /**
   * Dependency hooks used to shrink counterexamples soundly (see counterexample.ts); a model
   * without `writes` and `observes` gets its failing histories reported unshrunk.
   * `writes`: values the operation put, or may have put, into the state.
   */
  writes?(input: I, output: O | undefined): readonly Value[];
  /** Values the operation's output shows were in the state when it took effect. */
  observes?(input: I, output: O | undefined): readonly Value[];
  /** True when the outcome depends on the state without revealing it (a cas that failed). */
  blind?(input: I, output: O | undefined): boolean;
}

/** The model type the history checker uses for its operation alphabet. */
export type HistoryModel<S> = Model<S, Op, OpResult>;

function unsupported(model: string, op: Op): never {
  throw new Error(`${model} model does not support ${op.type} operations`);
}

/** A single-value register: write, read (null until first written) and compare-and-set. */
export const registerModel: HistoryModel<Value> = {
  name: 'register',
  init: () => null,
  step(state, input, output) {
    switch (input.type) {
      case 'write':
        return { ok: true, state: input.value };
      case 'read':
        return { ok: output === undefined || output === state, state };
      case 'cas': {
        const matches = state === input.expected;
        const next = matches ? input.value : state;
        if (output === undefined) return { ok: true, state: next };
        // A cas that reported false still happened: it observed a value other than `expected`.
        return { ok: output === matches, state: next };
      }
      case 'append':
        return unsupported('register', input);
    }
  },
  // JSON keeps 1 and "1" apart, as `===` does in `step`.
  hash: (state) => JSON.stringify(state),
  equal: (a, b) => a === b,
  writes(input, output) {
    if (input.type === 'write' || (input.type === 'cas' && output !== false)) return [input.value];
    return [];
  },
  observes(input, output) {
    if (input.type === 'read' && output !== undefined && !Array.isArray(output)) return [output as Value];
    // A cas of unknown outcome matters only if it took effect, and then it saw `expected`.
    if (input.type === 'cas' && output !== false) return [input.expected];
    return [];
  },
  // Only a cas known to have failed: one of unknown outcome that failed can be assumed to have
  // happened last of all, where it affects nobody (see counterexample.ts).
  blind: (input, output) => input.type === 'cas' && output === false,
};

/**
 * A list as a chain from its last element, so append is O(1) and shares its prefix with the
 * state it came from: the search keeps thousands of states alive and hashes each one, and
 * copying or serialising a 500-element array per step dominated the search.
 */
export interface ListNode {
  readonly last: Value;
  readonly prev: ListNode | null;
  readonly length: number;
  /** FNV-1a over the elements' JSON, extended one element at a time. */
  readonly hash: number;
}

/** The list-append state; null is the empty list. */
export type ListState = ListNode | null;

function appendTo(state: ListState, value: Value): ListNode {
  let h = state === null ? 0x811c9dc5 : state.hash;
  const text = JSON.stringify(value);
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  h = Math.imul(h ^ 0x2c, 0x01000193) >>> 0; // a separator, so [12] and [1, 2] differ
  return { last: value, prev: state, length: (state?.length ?? 0) + 1, hash: h };
}

/** Compares a state with a read's list from the end, where concurrent appends differ. */
function listEquals(state: ListState, list: readonly Value[]): boolean {
  if ((state?.length ?? 0) !== list.length) return false;
  for (let i = list.length - 1, n = state; n !== null; i--, n = n.prev) if (n.last !== list[i]) return false;
  return true;
}

function sameState(a: ListState, b: ListState): boolean {
  for (; a !== b; a = a.prev, b = b!.prev) {
    if (a === null || b === null || a.length !== b.length || a.hash !== b.hash || a.last !== b.last) return false;
  }
  return true;
}

/**
 * An append-only list per key (the list-append workload): append adds one element, read returns
 * the whole list. A key never appended to reads as [] or null (a missing key).
 */
export const listAppendModel: HistoryModel<ListState> = {
  name: 'list-append',
  init: () => null,
  step(state, input, output) {
    switch (input.type) {
      case 'append':
        return { ok: true, state: appendTo(state, input.value) };
      case 'read': {
        if (output === undefined) return { ok: true, state };
        if (output === null) return { ok: state === null, state };
        return { ok: Array.isArray(output) && listEquals(state, output), state };
      }
      case 'write':
      case 'cas':
        return unsupported('list-append', input);
    }
  },
  hash: (state) => (state === null ? '0' : `${state.length}.${state.hash}`),
  equal: sameState,
  writes: (input) => (input.type === 'append' ? [input.value] : []),
  observes: (input, output) => (input.type === 'read' && Array.isArray(output) ? output : []),
};
