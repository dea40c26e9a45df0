// The public data types of the client: plain values, Buffers for keys and values, with string
// helpers, and lower-case names for the proto enums.
import { invalidArgument } from './errors.js';
import { COMMIT_MODE_WIRE, type CommitMode, type WireCommitMode } from '../common/vocabulary.js';
import type { WireConsistency, WireHeader, WireKeyValue } from './wire.js';

export { commitModeName, type CommitMode } from '../common/vocabulary.js';

/** How fresh a read must be (see kv.proto Consistency). */
export type Consistency = 'linearizable' | 'lease' | 'serializable';

/** Every response's header: who answered, in which term, at which revision and applied index. */
export interface ResponseHeader {
  memberId: string;
  raftTerm: number;
  revision: number;
  appliedIndex: number;
}

/** One stored key with its revisions; `version` 0 means it does not exist. */
export class KeyValue {
  constructor(
    readonly key: Buffer,
    readonly value: Buffer,
    readonly createRevision: number,
    readonly modRevision: number,
    readonly version: number,
  ) {}

  /** The key decoded as UTF-8. */
  keyString(): string {
    return this.key.toString('utf8');
  }

  /** The value decoded as UTF-8. */
  valueString(): string {
    return this.value.toString('utf8');
  }
}

const CONSISTENCY: Record<Consistency, WireConsistency> = {
  linearizable: 'LINEARIZABLE',
  lease: 'LEASE',
  serializable: 'SERIALIZABLE',
};

/** The proto name of a consistency level, rejecting unknown ones. */
export function wireConsistency(c: Consistency | undefined): WireConsistency {
  if (c === undefined) return 'LINEARIZABLE';
  const w = CONSISTENCY[c];
  if (!w) throw invalidArgument(`consistency must be one of ${Object.keys(CONSISTENCY).join(', ')}`);
  return w;
}

/** The proto name of a commit mode, rejecting unknown ones. */
export function wireCommitMode(m: CommitMode | undefined): WireCommitMode {
  if (m === undefined) return 'DEFAULT';
  const w = COMMIT_MODE_WIRE[m];
  if (!w) throw invalidArgument(`commit mode must be one of ${Object.keys(COMMIT_MODE_WIRE).join(', ')}`);
  return w;
}

/** A header from the wire; an absent header reads as zeros. */
export function header(h: WireHeader | null | undefined): ResponseHeader {
  return {
    memberId: h?.memberId ?? '',
    raftTerm: h?.raftTerm ?? 0,
    revision: h?.revision ?? 0,
    appliedIndex: h?.appliedIndex ?? 0,
  };
}

/** A KeyValue from the wire. */
export function keyValue(w: WireKeyValue): KeyValue {
  return new KeyValue(w.key, w.value, w.createRevision, w.modRevision, w.version);
}
