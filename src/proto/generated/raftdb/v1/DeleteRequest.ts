// Original file: proto/raftdb/v1/kv.proto

import type { CommitMode as _raftdb_v1_CommitMode, CommitMode__Output as _raftdb_v1_CommitMode__Output } from '../../raftdb/v1/CommitMode.js';
import type { RequestId as _raftdb_v1_RequestId, RequestId__Output as _raftdb_v1_RequestId__Output } from '../../raftdb/v1/RequestId.js';

export interface DeleteRequest {
  'key'?: (Buffer | Uint8Array | string);
  'rangeEnd'?: (Buffer | Uint8Array | string);
  'commitMode'?: (_raftdb_v1_CommitMode);
  'id'?: (_raftdb_v1_RequestId | null);
  'prefix'?: (boolean);
}

export interface DeleteRequest__Output {
  'key': (Buffer);
  'rangeEnd': (Buffer);
  'commitMode': (_raftdb_v1_CommitMode__Output);
  'id': (_raftdb_v1_RequestId__Output | null);
  'prefix': (boolean);
}
