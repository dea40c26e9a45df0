// Original file: proto/raftdb/v1/kv.proto

import type { PutRequest as _raftdb_v1_PutRequest, PutRequest__Output as _raftdb_v1_PutRequest__Output } from '../../raftdb/v1/PutRequest.js';
import type { GetRequest as _raftdb_v1_GetRequest, GetRequest__Output as _raftdb_v1_GetRequest__Output } from '../../raftdb/v1/GetRequest.js';
import type { DeleteRequest as _raftdb_v1_DeleteRequest, DeleteRequest__Output as _raftdb_v1_DeleteRequest__Output } from '../../raftdb/v1/DeleteRequest.js';
import type { RangeRequest as _raftdb_v1_RangeRequest, RangeRequest__Output as _raftdb_v1_RangeRequest__Output } from '../../raftdb/v1/RangeRequest.js';
import type { TxnRequest as _raftdb_v1_TxnRequest, TxnRequest__Output as _raftdb_v1_TxnRequest__Output } from '../../raftdb/v1/TxnRequest.js';
import type { Long } from '@grpc/proto-loader';

export interface PipelineOp {
  'seq'?: (number | string | Long);
  'timeoutMs'?: (number);
  'put'?: (_raftdb_v1_PutRequest | null);
  'get'?: (_raftdb_v1_GetRequest | null);
  'delete'?: (_raftdb_v1_DeleteRequest | null);
  'range'?: (_raftdb_v1_RangeRequest | null);
  'txn'?: (_raftdb_v1_TxnRequest | null);
  'op'?: "put"|"get"|"delete"|"range"|"txn";
}

export interface PipelineOp__Output {
  'seq': (number);
  'timeoutMs': (number);
  'put'?: (_raftdb_v1_PutRequest__Output | null);
  'get'?: (_raftdb_v1_GetRequest__Output | null);
  'delete'?: (_raftdb_v1_DeleteRequest__Output | null);
  'range'?: (_raftdb_v1_RangeRequest__Output | null);
  'txn'?: (_raftdb_v1_TxnRequest__Output | null);
  'op'?: "put"|"get"|"delete"|"range"|"txn";
}
