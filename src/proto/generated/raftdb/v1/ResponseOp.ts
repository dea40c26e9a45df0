// Original file: proto/raftdb/v1/kv.proto

import type { PutResponse as _raftdb_v1_PutResponse, PutResponse__Output as _raftdb_v1_PutResponse__Output } from '../../raftdb/v1/PutResponse.js';
import type { DeleteResponse as _raftdb_v1_DeleteResponse, DeleteResponse__Output as _raftdb_v1_DeleteResponse__Output } from '../../raftdb/v1/DeleteResponse.js';
import type { RangeResponse as _raftdb_v1_RangeResponse, RangeResponse__Output as _raftdb_v1_RangeResponse__Output } from '../../raftdb/v1/RangeResponse.js';

export interface ResponseOp {
  'put'?: (_raftdb_v1_PutResponse | null);
  'delete'?: (_raftdb_v1_DeleteResponse | null);
  'range'?: (_raftdb_v1_RangeResponse | null);
  'response'?: "put"|"delete"|"range";
}

export interface ResponseOp__Output {
  'put'?: (_raftdb_v1_PutResponse__Output | null);
  'delete'?: (_raftdb_v1_DeleteResponse__Output | null);
  'range'?: (_raftdb_v1_RangeResponse__Output | null);
  'response'?: "put"|"delete"|"range";
}
