// Original file: proto/raftdb/v1/kv.proto

import type { ResponseHeader as _raftdb_v1_ResponseHeader, ResponseHeader__Output as _raftdb_v1_ResponseHeader__Output } from '../../raftdb/v1/ResponseHeader.js';
import type { ResponseOp as _raftdb_v1_ResponseOp, ResponseOp__Output as _raftdb_v1_ResponseOp__Output } from '../../raftdb/v1/ResponseOp.js';

export interface TxnResponse {
  'header'?: (_raftdb_v1_ResponseHeader | null);
  'succeeded'?: (boolean);
  'responses'?: (_raftdb_v1_ResponseOp)[];
}

export interface TxnResponse__Output {
  'header': (_raftdb_v1_ResponseHeader__Output | null);
  'succeeded': (boolean);
  'responses': (_raftdb_v1_ResponseOp__Output)[];
}
