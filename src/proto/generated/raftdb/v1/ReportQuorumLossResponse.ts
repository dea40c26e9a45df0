// Original file: proto/raftdb/v1/cluster.proto

import type { ResponseHeader as _raftdb_v1_ResponseHeader, ResponseHeader__Output as _raftdb_v1_ResponseHeader__Output } from '../../raftdb/v1/ResponseHeader.js';

export interface ReportQuorumLossResponse {
  'header'?: (_raftdb_v1_ResponseHeader | null);
}

export interface ReportQuorumLossResponse__Output {
  'header': (_raftdb_v1_ResponseHeader__Output | null);
}
