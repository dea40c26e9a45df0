// Original file: proto/raftdb/v1/kv.proto

import type { PutRequest as _raftdb_v1_PutRequest, PutRequest__Output as _raftdb_v1_PutRequest__Output } from '../../raftdb/v1/PutRequest.js';
import type { DeleteRequest as _raftdb_v1_DeleteRequest, DeleteRequest__Output as _raftdb_v1_DeleteRequest__Output } from '../../raftdb/v1/DeleteRequest.js';
import type { RangeRequest as _raftdb_v1_RangeRequest, RangeRequest__Output as _raftdb_v1_RangeRequest__Output } from '../../raftdb/v1/RangeRequest.js';

export interface RequestOp {
  'put'?: (_raftdb_v1_PutRequest | null);
  'delete'?: (_raftdb_v1_DeleteRequest | null);
  'range'?: (_raftdb_v1_RangeRequest | null);
  'request'?: "put"|"delete"|"range";
}

export interface RequestOp__Output {
  'put'?: (_raftdb_v1_PutRequest__Output | null);
  'delete'?: (_raftdb_v1_DeleteRequest__Output | null);
  'range'?: (_raftdb_v1_RangeRequest__Output | null);
  'request'?: "put"|"delete"|"range";
}
