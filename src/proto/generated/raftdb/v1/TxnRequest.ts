// Original file: proto/raftdb/v1/kv.proto

import type { Compare as _raftdb_v1_Compare, Compare__Output as _raftdb_v1_Compare__Output } from '../../raftdb/v1/Compare.js';
import type { RequestOp as _raftdb_v1_RequestOp, RequestOp__Output as _raftdb_v1_RequestOp__Output } from '../../raftdb/v1/RequestOp.js';
import type { CommitMode as _raftdb_v1_CommitMode, CommitMode__Output as _raftdb_v1_CommitMode__Output } from '../../raftdb/v1/CommitMode.js';
import type { RequestId as _raftdb_v1_RequestId, RequestId__Output as _raftdb_v1_RequestId__Output } from '../../raftdb/v1/RequestId.js';

export interface TxnRequest {
  'compare'?: (_raftdb_v1_Compare)[];
  'success'?: (_raftdb_v1_RequestOp)[];
  'failure'?: (_raftdb_v1_RequestOp)[];
  'commitMode'?: (_raftdb_v1_CommitMode);
  'id'?: (_raftdb_v1_RequestId | null);
}

export interface TxnRequest__Output {
  'compare': (_raftdb_v1_Compare__Output)[];
  'success': (_raftdb_v1_RequestOp__Output)[];
  'failure': (_raftdb_v1_RequestOp__Output)[];
  'commitMode': (_raftdb_v1_CommitMode__Output);
  'id': (_raftdb_v1_RequestId__Output | null);
}
