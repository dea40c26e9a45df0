// The public surface of the raftdb TypeScript client: `import { connect } from 'raftdb'`.
export { connect, RaftdbClient, DEFAULT_PAGE_SIZE } from './client.js';
export type { ConnectOptions } from './client.js';
export type { ClientTlsOptions } from './tls.js';
export { RaftdbError, LEADER_TRAILER } from './errors.js';
export type { RaftdbErrorCode } from './errors.js';
export type { ClusterDiagnosis } from './diagnose.js';
export type { RetryOptions } from './invoke.js';
export type { Bytes } from './bytes.js';
export { KeyValue } from './types.js';
export type { Consistency, CommitMode, ResponseHeader } from './types.js';
export type { CommitModeName, RoleName } from '../common/vocabulary.js';
export type {
  KeySelector,
  CallOptions,
  ReadOptions,
  WriteOptions,
  RangeQuery,
  PutResult,
  GetResult,
  DeleteResult,
  RangeResult,
  SortTarget,
  SortOrder,
} from './kv.js';
export { compare, op } from './txn.js';
export type { CompareOp, TxnCompare, TxnOp, TxnSpec, TxnOpResult, TxnResult } from './txn.js';
export { Watch, WATCH_HIGH_WATER } from './watch.js';
export type { WatchQuery, WatchEvent } from './watch.js';
export { ClusterApi, leaderOf } from './cluster.js';
export { AuthApi } from './auth.js';
export type { AuthChange, Permission, PermissionTarget, PermissionType, UserInfo } from './auth.js';
export type { AuthOptions } from './tokens.js';
export type {
  NodeStatus,
  FollowerProgress,
  SwitchoverState,
  Member,
  MembersResult,
  TransferResult,
  FailoverEvent,
  QuorumLossEvent,
  EndpointStatus,
  AlarmMember,
} from './cluster.js';
export { MaintenanceApi } from './maintenance.js';
export type { BackupManifest, BackupSummary, BackupPart, HashKvResult } from './maintenance.js';
