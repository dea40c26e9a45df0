// The shapes @grpc/proto-loader produces and accepts with the shared LOADER_OPTIONS (camelCase,
// int64 as numbers, enums as names, bytes as Buffers, defaults filled in, message fields null
// when absent). Only the client sees these; the public API converts them in types.ts. The enum
// spellings come from the generated types (src/proto/generated, `npm run gen:proto`).
import type { WireCommitMode } from '../common/vocabulary.js';
import type { Compare__Output } from '../proto/generated/raftdb/v1/Compare.js';
import type { Consistency__Output } from '../proto/generated/raftdb/v1/Consistency.js';
import type { KeyValue__Output } from '../proto/generated/raftdb/v1/KeyValue.js';
import type { RangeRequest__Output } from '../proto/generated/raftdb/v1/RangeRequest.js';
import type { WatchEvent__Output } from '../proto/generated/raftdb/v1/WatchEvent.js';

/** A read consistency as kv.proto spells it. */
export type WireConsistency = Consistency__Output;

export type { WireCommitMode };

export interface WireRequestId {
  clientId: string;
  seq: number;
}

export interface WireHeader {
  memberId: string;
  raftTerm: number;
  revision: number;
  appliedIndex: number;
}

/** raftdb.v1.KeyValue as received. */
export type WireKeyValue = KeyValue__Output;

export interface WirePutRequest {
  key: Buffer;
  value: Buffer;
  commitMode: WireCommitMode;
  id?: WireRequestId;
}

export interface WireDeleteRequest {
  key: Buffer;
  rangeEnd: Buffer;
  prefix: boolean;
  commitMode: WireCommitMode;
  id?: WireRequestId;
}

export interface WireRangeRequest {
  key: Buffer;
  rangeEnd: Buffer;
  prefix: boolean;
  limit: number;
  revision: number;
  consistency: WireConsistency;
  keysOnly?: boolean;
  countOnly?: boolean;
  sortOrder?: RangeRequest__Output['sortOrder'];
  sortTarget?: RangeRequest__Output['sortTarget'];
}

export interface WireGetResponse {
  found: boolean;
  value: Buffer;
  modRevision: number;
  createRevision: number;
  version: number;
  header: WireHeader | null;
}

export interface WirePutResponse {
  header: WireHeader | null;
}

export interface WireDeleteResponse {
  header: WireHeader | null;
  deleted: number;
}

export interface WireRangeResponse {
  header: WireHeader | null;
  kvs: WireKeyValue[];
  more: boolean;
  /** Absent from servers older than the field. */
  count?: number | string;
}

export interface WireCompare {
  key: Buffer;
  target: Compare__Output['target'];
  op: Compare__Output['op'];
  value: Buffer;
  number: number;
}

export type WireRequestOp = { put: WirePutRequest } | { delete: WireDeleteRequest } | { range: WireRangeRequest };

export interface WireTxnRequest {
  compare: WireCompare[];
  success: WireRequestOp[];
  failure: WireRequestOp[];
  commitMode: WireCommitMode;
  id?: WireRequestId;
}

export interface WireResponseOp {
  response?: 'put' | 'delete' | 'range';
  put?: WirePutResponse | null;
  delete?: WireDeleteResponse | null;
  range?: WireRangeResponse | null;
}

export interface WireTxnResponse {
  header: WireHeader | null;
  succeeded: boolean;
  responses: WireResponseOp[];
}

export interface WireWatchRequest {
  key: Buffer;
  rangeEnd: Buffer;
  prefix: boolean;
  startRevision: number;
}

export interface WireWatchEvent {
  type: WatchEvent__Output['type'];
  kv: WireKeyValue | null;
  prevKv: WireKeyValue | null;
  revision: number;
  header: WireHeader | null;
  indexInRevision: number;
  lastInRevision: boolean;
}
