// Original file: proto/raftdb/v1/kv.proto

import type { CommitMode as _raftdb_v1_CommitMode, CommitMode__Output as _raftdb_v1_CommitMode__Output } from '../../raftdb/v1/CommitMode.js';
import type { RequestId as _raftdb_v1_RequestId, RequestId__Output as _raftdb_v1_RequestId__Output } from '../../raftdb/v1/RequestId.js';

export interface PutRequest {
  'key'?: (Buffer | Uint8Array | string);
  'value'?: (Buffer | Uint8Array | string);
  'commitMode'?: (_raftdb_v1_CommitMode);
  'id'?: (_raftdb_v1_RequestId | null);
}

export interface PutRequest__Output {
  'key': (Buffer);
  'value': (Buffer);
  'commitMode': (_raftdb_v1_CommitMode__Output);
  'id': (_raftdb_v1_RequestId__Output | null);
}
