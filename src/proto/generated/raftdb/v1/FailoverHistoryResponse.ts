// Original file: proto/raftdb/v1/cluster.proto

import type { ResponseHeader as _raftdb_v1_ResponseHeader, ResponseHeader__Output as _raftdb_v1_ResponseHeader__Output } from '../../raftdb/v1/ResponseHeader.js';
import type { FailoverEvent as _raftdb_v1_FailoverEvent, FailoverEvent__Output as _raftdb_v1_FailoverEvent__Output } from '../../raftdb/v1/FailoverEvent.js';
import type { QuorumLossEvent as _raftdb_v1_QuorumLossEvent, QuorumLossEvent__Output as _raftdb_v1_QuorumLossEvent__Output } from '../../raftdb/v1/QuorumLossEvent.js';

export interface FailoverHistoryResponse {
  'header'?: (_raftdb_v1_ResponseHeader | null);
  'events'?: (_raftdb_v1_FailoverEvent)[];
  'quorumLosses'?: (_raftdb_v1_QuorumLossEvent)[];
}

export interface FailoverHistoryResponse__Output {
  'header': (_raftdb_v1_ResponseHeader__Output | null);
  'events': (_raftdb_v1_FailoverEvent__Output)[];
  'quorumLosses': (_raftdb_v1_QuorumLossEvent__Output)[];
}
