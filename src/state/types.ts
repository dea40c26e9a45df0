// Plain data the state machine hands out: stored key-values, command results, watch events.
// Everything is msgpack-able so the dedupe table can store a result and replay it verbatim.
import type { AlarmMember } from './alarms.js';

/** A key with etcd's metadata. Revisions are store-wide; version counts puts since creation. */
export interface KeyValue {
  key: Uint8Array;
  value: Uint8Array;
  createRevision: number;
  modRevision: number;
  version: number;
}

/** The result of one operation inside a txn, in the order of the txn's ops. */
export type OpResult =
  | { type: 'put' }
  | { type: 'delete'; deleted: number }
  | { type: 'range'; kvs: KeyValue[]; more: boolean };

/**
 * Why an entry produced no effect. The server maps these to gRPC codes (errors.ts): invalidCommand →
 * INVALID_ARGUMENT, staleRequest → FAILED_PRECONDITION, tooManyKeys → RESOURCE_EXHAUSTED,
 * resultNotRetained → ALREADY_EXISTS (the write was applied; its large result was not kept),
 * noSpace → RESOURCE_EXHAUSTED "database space exceeded" (a NOSPACE alarm is active; nothing
 * applied, nothing recorded, so the same request may be retried once the alarm is disarmed).
 */
export type CommandErrorCode =
  | 'invalidCommand'
  | 'staleRequest'
  | 'tooManyKeys'
  | 'resultNotRetained'
  /** Auth: the user may not do this (PERMISSION_DENIED), or is not (any more) who it was (UNAUTHENTICATED). */
  | 'permissionDenied'
  | 'unauthenticated'
  /** Auth admin: no such user/role (NOT_FOUND), it exists (ALREADY_EXISTS), or the change is refused (FAILED_PRECONDITION). */
  | 'notFound'
  | 'alreadyExists'
  | 'refused'
  /** A new session found the exactly-once table full of active sessions (RESOURCE_EXHAUSTED); nothing applied. */
  | 'sessionsFull'
  | 'noSpace';

/**
 * What applying one entry produced. `revision` is the store revision after the entry (etcd's
 * header revision); it moves only when the keyspace changed.
 */
export type CommandResult =
  | { type: 'put'; revision: number }
  | { type: 'delete'; revision: number; deleted: number }
  | { type: 'txn'; revision: number; succeeded: boolean; responses: OpResult[] }
  | { type: 'setMeta'; revision: number }
  /** An auth change applied (or already in place); `authRevision` is the auth revision after it. */
  | { type: 'auth'; revision: number; authRevision: number }
  /** `changed`: the alarms this command raised or cleared; `alarms`: every active one after it. */
  | { type: 'alarm'; revision: number; changed: AlarmMember[]; alarms: AlarmMember[] }
  /** `compacted`: the oldest revision the watch history keeps after it. */
  | { type: 'compact'; revision: number; compacted: number }
  /** Leader no-op or membership change: nothing for a client. */
  | { type: 'none'; revision: number }
  /** The entry's index was already applied before this call (replay after a restart). */
  | { type: 'skipped' }
  | { type: 'error'; code: CommandErrorCode; message: string };

/** One result per entry handed to apply(), in the same order. */
export interface ApplyResult {
  index: number;
  result: CommandResult;
  /** True when the result was replayed from the dedupe table instead of applying again. */
  duplicate: boolean;
}

/** One change to one key. For a delete, `kv` has the deletion revision and an empty value. */
export interface WatchEvent {
  type: 'put' | 'delete';
  kv: KeyValue;
  /** The key before this change; null when the key did not exist. */
  prevKv: KeyValue | null;
  /**
   * Position among all changes of its revision (0-based, in apply order). Apply is deterministic,
   * so (revision, index) names one change on every node: a watch resumed in the middle of a
   * revision skips what it has by it.
   */
  index: number;
}

/**
 * What onApplied listeners hear. `applied`: the changes of one written batch, whole revisions
 * (every change of each revision after the previous batch's, up to `revision`). `restored`: the
 * state was replaced by a snapshot at `revision`; the changes up to it have no events on this
 * node (its history restarts after it), so a listener that has not seen them must stop.
 */
export type AppliedBatch =
  | { type: 'applied'; firstIndex: number; lastIndex: number; revision: number; events: WatchEvent[] }
  | { type: 'restored'; lastIndex: number; revision: number };

/** A range read: the kvs in key order, whether more exist past the limit, the store revision. */
export interface RangeResult {
  kvs: KeyValue[];
  more: boolean;
  revision: number;
}

/** A page of watch history: resume with `nextRevision`. */
export interface ChangesResult {
  events: WatchEvent[];
  nextRevision: number;
  /** The store revision when read; nextRevision > revision means the caller is caught up. */
  revision: number;
}
