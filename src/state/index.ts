// The public surface of the state machine layer.
export { StateMachine, MAX_LISTENERS, DEFAULT_WRITE_BUFFER_BYTES, MAX_WRITE_BUFFER_BYTES, MIN_WRITE_BUFFER_BYTES } from './state-machine.js';
export type { StateMachineOptions, RangeSpec, AppliedListener } from './state-machine.js';
export { encodeCommand, decodeCommand, MAX_TXN_OPS, MAX_RANGE_LIMIT, MAX_NAME_BYTES } from './commands.js';
export type { Command, TxnOp, Compare, CompareOp, CompareTarget, RequestId } from './commands.js';
export type {
  KeyValue,
  OpResult,
  CommandResult,
  CommandErrorCode,
  ApplyResult,
  WatchEvent,
  AppliedBatch,
  RangeResult,
  ChangesResult,
} from './types.js';
export type { SnapshotInfo, SnapshotStream, SnapshotStreamOptions, SnapshotWriteOptions } from './snapshot.js';
export { writeSnapshotDir } from './snapshot.js';
export { KvHasher, HASH_KV_ALGORITHM, MAX_HASH_OVERLAY_KEYS, hashKvAt } from './hash-kv.js';
export type { HashKvResult, KvDigest } from './hash-kv.js';
export { MAX_SNAPSHOT_BYTES, SNAPSHOT_FORMAT_VERSION, END_FRAME_BYTES as SNAPSHOT_END_FRAME_BYTES, SnapshotReader } from './snapshot-format.js';
export type { DedupeOptions } from './dedupe.js';
export type { LiveTableBytes } from './storage-upkeep.js';
export { MAX_KEYS_PER_COMMAND } from './apply.js';
export { prefixEnd } from './keys.js';
export { DEFAULT_WATCH_HISTORY_MAX_BYTES, DEFAULT_WATCH_HISTORY_REVISIONS } from './watch-log.js';
export { AuthStore, accessesOf, type NeededAccess } from './auth-store.js';
export { type Access, type KeyRange, type PermissionType, GrantedRanges, describeRange, quoteKey } from './auth-ranges.js';
export {
  ROOT_ROLE,
  badAuthName,
  type AuthOp,
  type CommandAuth,
  type PasswordHash,
  type Permission,
  type RoleRecord,
  type UserRecord,
} from './auth-records.js';
export {
  StateError,
  InvalidArgumentError,
  InvalidCommandError,
  CompactedError,
  FutureRevisionError,
  SnapshotError,
  StateInvariantError,
  StateStorageError,
} from './errors.js';
export { applyArchivedRevisions } from './replay-changes.js';
export type { ArchivedChange, ArchivedRevision } from './replay-changes.js';
export { ALARM_TYPES, ALARMS_META, growsData, NO_SPACE_MESSAGE } from './alarms.js';
export type { AlarmMember, AlarmType, AlarmCommand } from './alarms.js';
export type { Db } from './kv-records.js';
export { type AppendFile, type LevelTuning, type OpenDb, type StateFs, type StateStorage, levelOpenDb, nodeStateFs } from './state-fs.js';
