// Original file: proto/raftdb/v1/cluster.proto

import type { QuorumLossEvent as _raftdb_v1_QuorumLossEvent, QuorumLossEvent__Output as _raftdb_v1_QuorumLossEvent__Output } from '../../raftdb/v1/QuorumLossEvent.js';

export interface ReportQuorumLossRequest {
  'event'?: (_raftdb_v1_QuorumLossEvent | null);
}

export interface ReportQuorumLossRequest__Output {
  'event': (_raftdb_v1_QuorumLossEvent__Output | null);
}
