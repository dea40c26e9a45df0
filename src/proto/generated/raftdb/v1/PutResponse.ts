// Original file: proto/raftdb/v1/kv.proto

import type { ResponseHeader as _raftdb_v1_ResponseHeader, ResponseHeader__Output as _raftdb_v1_ResponseHeader__Output } from '../../raftdb/v1/ResponseHeader.js';

export interface PutResponse {
  'header'?: (_raftdb_v1_ResponseHeader | null);
}

export interface PutResponse__Output {
  'header': (_raftdb_v1_ResponseHeader__Output | null);
}
