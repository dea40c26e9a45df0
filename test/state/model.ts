// An in-memory model of etcd's KV semantics, written independently of src/state, used as the
// oracle for the seeded random tests and the kill test.
import type { Command, Compare, TxnOp } from '../../src/state/commands.js';
import type { CommandResult, KeyValue, OpResult, WatchEvent } from '../../src/state/types.js';

const hex = (k: Uint8Array): string => Buffer.from(k).toString('hex');

/** The model store: hex-keyed map (hex order = byte order), revision and change log. */
export class KvModel {
  revision = 0;
  readonly kvs = new Map<string, KeyValue>();
  readonly events: WatchEvent[] = [];
  /** events.length when the current command started: a change's index counts from there. */
  private commandStart = 0;

  apply(cmd: Command): CommandResult {
    this.commandStart = this.events.length;
    switch (cmd.type) {
      case 'put':
        this.put(cmd.key, cmd.value, this.revision + 1);
        this.revision++;
        return { type: 'put', revision: this.revision };
      case 'delete':
      case 'deleteRange': {
        const n = this.del(cmd.key, cmd.type === 'deleteRange' ? cmd.rangeEnd : undefined, this.revision + 1);
        if (n > 0) this.revision++;
        return { type: 'delete', revision: this.revision, deleted: n };
      }
      case 'txn': {
        const ok = cmd.compare.every((c) => this.holds(c));
        const rev = this.revision + 1;
        const before = this.events.length;
        const responses = (ok ? cmd.success : cmd.failure).map((op) => this.op(op, rev));
        if (this.events.length > before) this.revision = rev;
        return { type: 'txn', revision: this.revision, succeeded: ok, responses };
      }
      case 'setMeta':
        return { type: 'setMeta', revision: this.revision };
      case 'auth':
      case 'alarm':
      case 'compact':
        throw new Error(`${cmd.type} is not in the model (the random tests do not generate it)`);
    }
  }

  /** Sorted kvs in [key, rangeEnd) with etcd conventions. */
  range(key: Uint8Array, rangeEnd?: Uint8Array): KeyValue[] {
    const lo = hex(key);
    const all = rangeEnd !== undefined && rangeEnd.length === 1 && rangeEnd[0] === 0;
    const hi = rangeEnd && rangeEnd.length > 0 ? hex(rangeEnd) : null;
    return [...this.kvs.keys()]
      .filter((k) => (hi === null ? k === lo : k >= lo && (all || k < hi)))
      .sort()
      .map((k) => this.kvs.get(k)!);
  }

  private op(op: TxnOp, rev: number): OpResult {
    switch (op.type) {
      case 'put':
        this.put(op.key, op.value, rev);
        return { type: 'put' };
      case 'delete':
        return { type: 'delete', deleted: this.del(op.key, undefined, rev) };
      case 'deleteRange':
        return { type: 'delete', deleted: this.del(op.key, op.rangeEnd, rev) };
      case 'range': {
        const kvs = this.range(op.key, op.rangeEnd);
        const limit = op.limit || 10_000;
        return { type: 'range', kvs: kvs.slice(0, limit), more: kvs.length > limit };
      }
    }
  }

  private put(key: Uint8Array, value: Uint8Array, rev: number): void {
    const prev = this.kvs.get(hex(key)) ?? null;
    const kv = { key, value, createRevision: prev ? prev.createRevision : rev, modRevision: rev, version: prev ? prev.version + 1 : 1 };
    this.kvs.set(hex(key), kv);
    this.events.push({ type: 'put', kv, prevKv: prev, index: this.events.length - this.commandStart });
  }

  private del(key: Uint8Array, rangeEnd: Uint8Array | undefined, rev: number): number {
    const victims = this.range(key, rangeEnd);
    for (const prev of victims) {
      this.kvs.delete(hex(prev.key));
      const kv = { key: prev.key, value: new Uint8Array(0), createRevision: 0, modRevision: rev, version: 0 };
      this.events.push({ type: 'delete', kv, prevKv: prev, index: this.events.length - this.commandStart });
    }
    return victims.length;
  }

  private holds(c: Compare): boolean {
    const kv = this.kvs.get(hex(c.key));
    let cmp: number;
    if (c.target === 'value') {
      if (!kv) return false;
      cmp = Buffer.compare(Buffer.from(kv.value), Buffer.from(c.value as Uint8Array));
    } else {
      cmp = Math.sign((kv ? kv[c.target] : 0) - (c.value as number));
    }
    return c.op === '=' ? cmp === 0 : c.op === '!=' ? cmp !== 0 : c.op === '<' ? cmp < 0 : cmp > 0;
  }
}
