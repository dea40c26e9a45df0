// Original file: proto/raftdb/v1/cluster.proto

import type { Consistency as _raftdb_v1_Consistency, Consistency__Output as _raftdb_v1_Consistency__Output } from '../../raftdb/v1/Consistency.js';

export interface MemberListRequest {
  'consistency'?: (_raftdb_v1_Consistency);
}

export interface MemberListRequest__Output {
  'consistency': (_raftdb_v1_Consistency__Output);
}
