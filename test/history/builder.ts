// A terse way to write histories by hand in tests: times are plain integers (nanoseconds).

import type { Operation, OpResult, ProcessId, Value } from '../../src/history/index.js';

/** Builds Operation lists; every method appends one operation on `key` (default "x"). */
export class HistoryBuilder {
  readonly ops: Operation[] = [];

  constructor(private readonly key = 'x') {}

  private add(process: ProcessId, op: Operation['op'], invokeNs: number, returnNs: number | null, result?: OpResult): this {
    const o: Operation = {
      id: this.ops.length,
      process,
      key: this.key,
      op,
      invokeNs,
      returnNs,
      status: returnNs === null ? 'unknown' : 'ok',
    };
    if (result !== undefined) o.result = result;
    this.ops.push(o);
    return this;
  }

  write(p: ProcessId, value: Value, inv: number, ret: number | null): this {
    return this.add(p, { type: 'write', value }, inv, ret);
  }

  read(p: ProcessId, value: Value | Value[], inv: number, ret: number): this {
    return this.add(p, { type: 'read' }, inv, ret, value);
  }

  cas(p: ProcessId, expected: Value, value: Value, swapped: boolean | null, inv: number, ret: number | null): this {
    return this.add(p, { type: 'cas', expected, value }, inv, ret, swapped ?? undefined);
  }

  append(p: ProcessId, value: Value, inv: number, ret: number | null): this {
    return this.add(p, { type: 'append', value }, inv, ret);
  }

  /** An operation that definitely did not happen. */
  failedWrite(p: ProcessId, value: Value, inv: number, ret: number): this {
    this.add(p, { type: 'write', value }, inv, ret);
    this.ops[this.ops.length - 1]!.status = 'fail';
    return this;
  }
}
