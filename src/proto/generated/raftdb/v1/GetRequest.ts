// Original file: proto/raftdb/v1/kv.proto

import type { Consistency as _raftdb_v1_Consistency, Consistency__Output as _raftdb_v1_Consistency__Output } from '../../raftdb/v1/Consistency.js';

export interface GetRequest {
  'key'?: (Buffer | Uint8Array | string);
  'consistency'?: (_raftdb_v1_Consistency);
}

export interface GetRequest__Output {
  'key': (Buffer);
  'consistency': (_raftdb_v1_Consistency__Output);
}
