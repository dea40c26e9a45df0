// Records what clients did, as the linearizability checker needs it: every operation is an
// invocation followed by exactly one completion, with timestamps from one clock. The recorder
// asserts those rules as operations arrive, because a malformed history makes the checker's
// verdict meaningless (a missing completion reads as "may have happened", a reordered clock as
// concurrency that never was).

/** A value a key can hold (or one element of a list key). Encode richer values as strings. */
export type Value = string | number | boolean | null;

/** What a client asked for. `append` adds one element to the list a key holds. */
export type Op =
  | { type: 'write'; value: Value }
  | { type: 'read' }
  | { type: 'cas'; expected: Value; value: Value }
  | { type: 'append'; value: Value };

/**
 * What an `ok` completion returned: a read's value (a list for append-style keys), whether a cas
 * swapped (a cas whose compare failed is `ok` with `false`: it happened, as a read), and for
 * writes any server result (a revision), which the models ignore.
 */
export type OpResult = Value | readonly Value[];

/** Client identity; one process runs one operation at a time. */
export type ProcessId = string | number;

/**
 * How an operation ended. `fail`: definitely did not take effect. `unknown`: timed out or lost
 * its connection, so it may or may not have taken effect, at any time after its invocation.
 */
export type Status = 'ok' | 'fail' | 'unknown';

/** One line of a recorded history (and of its JSON-lines form). Times are nanoseconds. */
export type HistoryEvent =
  | { type: 'invoke'; id: number; process: ProcessId; key: string; op: Op; timeNs: number }
  | { type: 'ok'; id: number; timeNs: number; result?: OpResult }
  | { type: 'fail' | 'unknown'; id: number; timeNs: number; error?: string };

/**
 * An invocation paired with its completion. `returnNs` is null when the outcome is unknown
 * (including operations never completed): for the checker such an operation stays open forever.
 */
export interface Operation {
  id: number;
  process: ProcessId;
  key: string;
  op: Op;
  invokeNs: number;
  returnNs: number | null;
  status: Status;
  result?: OpResult;
  error?: string;
}

export interface RecorderOptions {
  /** Nanoseconds, non-decreasing. Default: process.hrtime relative to the recorder's creation. */
  clockNs?: () => number;
  /** A drill that runs away must not exhaust memory; invoking more operations throws. */
  maxOperations?: number;
}

/** Options of `track`: how to turn a resolved value into a result, and which errors are definite. */
export interface TrackOptions<T> {
  result?: (value: T) => OpResult | undefined;
  /** True when the error proves the operation did not happen. Default: every error is unknown. */
  isDefiniteFailure?: (error: unknown) => boolean;
}

const DEFAULT_MAX_OPERATIONS = 1_000_000;

/** Nanoseconds since creation: raw hrtime exceeds 2^53 ns after ~104 days of uptime. */
function defaultClock(): () => number {
  const origin = process.hrtime.bigint();
  return () => Number(process.hrtime.bigint() - origin);
}

/** Records client operations as invoke / completion events and pairs them into operations. */
export class HistoryRecorder {
  private readonly clockNs: () => number;
  private readonly maxOperations: number;
  private readonly log: HistoryEvent[] = [];
  private readonly ops = new Map<number, Operation>();
  private readonly inFlight = new Map<ProcessId, number>();
  private lastTimeNs = -Infinity;
  private nextId = 0;

  constructor(options: RecorderOptions = {}) {
    this.clockNs = options.clockNs ?? defaultClock();
    this.maxOperations = options.maxOperations ?? DEFAULT_MAX_OPERATIONS;
  }

  /** Records an invocation now and returns the operation id to complete it with. */
  invoke(process: ProcessId, key: string, op: Op): number {
    const id = this.nextId;
    this.apply({ type: 'invoke', id, process, key, op, timeNs: this.clockNs() });
    return id;
  }

  /** Records a successful completion with the read value / cas outcome / write result. */
  ok(id: number, result?: OpResult): void {
    this.apply(result === undefined ? { type: 'ok', id, timeNs: this.clockNs() } : { type: 'ok', id, timeNs: this.clockNs(), result });
  }

  /** Records that the operation definitely did not take effect. */
  fail(id: number, error?: string): void {
    this.apply(withError({ type: 'fail', id, timeNs: this.clockNs() }, error));
  }

  /** Records that the outcome is unknown (timeout, lost connection): it may still take effect. */
  unknown(id: number, error?: string): void {
    this.apply(withError({ type: 'unknown', id, timeNs: this.clockNs() }, error));
  }

  /** Runs `call` as one recorded operation; errors are `unknown` unless proven definite. */
  async track<T>(process: ProcessId, key: string, op: Op, call: () => Promise<T>, options: TrackOptions<T> = {}): Promise<T> {
    const id = this.invoke(process, key, op);
    let value: T;
    try {
      value = await call();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (options.isDefiniteFailure?.(error) === true) this.fail(id, message);
      else this.unknown(id, message);
      throw error;
    }
    this.ok(id, options.result?.(value));
    return value;
  }

  /** The raw events in the order they were recorded. */
  events(): readonly HistoryEvent[] {
    return this.log;
  }

  /** Operations in invocation order; those never completed are reported as `unknown`. */
  operations(): Operation[] {
    return [...this.ops.values()].map((o) => ({ ...o }));
  }

  /** One JSON object per line, one line per event. */
  toJSONLines(): string {
    return this.log.map((e) => JSON.stringify(e)).join('\n') + (this.log.length > 0 ? '\n' : '');
  }

  /** Rebuilds a recorder from `toJSONLines` output, re-checking every rule. */
  static fromJSONLines(text: string, options: RecorderOptions = {}): HistoryRecorder {
    const recorder = new HistoryRecorder(options);
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        throw new Error(`history line ${i + 1}: not JSON`);
      }
      recorder.apply(parseEvent(parsed, i + 1));
    });
    return recorder;
  }

  /** The single place where the history rules are enforced, for live and replayed events. */
  private apply(event: HistoryEvent): void {
    if (!(event.timeNs >= this.lastTimeNs)) {
      throw new Error(`history clock went backwards: ${event.timeNs} < ${this.lastTimeNs}`);
    }
    if (event.type === 'invoke') this.applyInvoke(event);
    else this.applyCompletion(event);
    this.lastTimeNs = event.timeNs;
    this.log.push(event);
  }

  private applyInvoke(e: Extract<HistoryEvent, { type: 'invoke' }>): void {
    if (this.ops.size >= this.maxOperations) throw new RangeError(`history is full (${this.maxOperations} operations)`);
    if (this.ops.has(e.id) || e.id < this.nextId) throw new Error(`operation id ${e.id} reused`);
    const open = this.inFlight.get(e.process);
    if (open !== undefined) throw new Error(`process ${e.process} invoked op ${e.id} while op ${open} is in flight`);
    this.inFlight.set(e.process, e.id);
    this.ops.set(e.id, { id: e.id, process: e.process, key: e.key, op: e.op, invokeNs: e.timeNs, returnNs: null, status: 'unknown' });
    this.nextId = e.id + 1;
  }

  private applyCompletion(e: Exclude<HistoryEvent, { type: 'invoke' }>): void {
    const o = this.ops.get(e.id);
    if (o === undefined) throw new Error(`completion of unknown operation ${e.id}`);
    if (this.inFlight.get(o.process) !== e.id) throw new Error(`operation ${e.id} completed twice`);
    if (e.type === 'ok') checkResult(o.op, e.result, e.id);
    this.inFlight.delete(o.process);
    o.status = e.type;
    if (e.type === 'ok') {
      o.returnNs = e.timeNs;
      if (e.result !== undefined) o.result = e.result;
    } else {
      // An unknown outcome keeps returnNs null: the op may take effect after the client gave up.
      if (e.type === 'fail') o.returnNs = e.timeNs;
      if (e.error !== undefined) o.error = e.error;
    }
  }
}

type EndEvent = Extract<HistoryEvent, { type: 'fail' | 'unknown' }>;

function withError(event: EndEvent, error: string | undefined): EndEvent {
  return error === undefined ? event : { ...event, error };
}

/** The checker relies on reads carrying a value and cas carrying its boolean outcome. */
function checkResult(op: Op, result: OpResult | undefined, id: number): void {
  if (op.type === 'read' && result === undefined) throw new Error(`read ${id} completed ok without a value`);
  if (op.type === 'cas' && typeof result !== 'boolean') throw new Error(`cas ${id} completed ok without a boolean outcome`);
}

function isValue(v: unknown): v is Value {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function isResult(v: unknown): v is OpResult {
  return isValue(v) || (Array.isArray(v) && v.every(isValue));
}

function parseOp(v: unknown): Op | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (o.type === 'read') return { type: 'read' };
  if ((o.type === 'write' || o.type === 'append') && isValue(o.value)) return { type: o.type, value: o.value };
  if (o.type === 'cas' && isValue(o.expected) && isValue(o.value)) return { type: 'cas', expected: o.expected, value: o.value };
  return undefined;
}

function parseEvent(v: unknown, line: number): HistoryEvent {
  const bad = (what: string): Error => new Error(`history line ${line}: ${what}`);
  if (typeof v !== 'object' || v === null) throw bad('not an object');
  const e = v as Record<string, unknown>;
  if (typeof e.id !== 'number' || !Number.isInteger(e.id)) throw bad('missing integer id');
  if (typeof e.timeNs !== 'number' || !Number.isFinite(e.timeNs)) throw bad('missing timeNs');
  const base = { id: e.id, timeNs: e.timeNs };
  switch (e.type) {
    case 'invoke': {
      const op = parseOp(e.op);
      if (op === undefined) throw bad('bad op');
      if (typeof e.key !== 'string') throw bad('missing key');
      if (typeof e.process !== 'string' && typeof e.process !== 'number') throw bad('missing process');
      // Same field order as `invoke` writes, so a history round-trips byte for byte.
      return { type: 'invoke', id: e.id, process: e.process, key: e.key, op, timeNs: e.timeNs };
    }
    case 'ok':
      if (e.result === undefined) return { type: 'ok', ...base };
      if (!isResult(e.result)) throw bad('bad result');
      return { type: 'ok', ...base, result: e.result };
    case 'fail':
    case 'unknown':
      return withError({ type: e.type, ...base }, typeof e.error === 'string' ? e.error : undefined);
    default:
      throw bad(`unknown event type ${String(e.type)}`);
  }
}
