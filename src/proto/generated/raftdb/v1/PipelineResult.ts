// Original file: proto/raftdb/v1/kv.proto

import type { PutResponse as _raftdb_v1_PutResponse, PutResponse__Output as _raftdb_v1_PutResponse__Output } from '../../raftdb/v1/PutResponse.js';
import type { GetResponse as _raftdb_v1_GetResponse, GetResponse__Output as _raftdb_v1_GetResponse__Output } from '../../raftdb/v1/GetResponse.js';
import type { DeleteResponse as _raftdb_v1_DeleteResponse, DeleteResponse__Output as _raftdb_v1_DeleteResponse__Output } from '../../raftdb/v1/DeleteResponse.js';
import type { RangeResponse as _raftdb_v1_RangeResponse, RangeResponse__Output as _raftdb_v1_RangeResponse__Output } from '../../raftdb/v1/RangeResponse.js';
import type { TxnResponse as _raftdb_v1_TxnResponse, TxnResponse__Output as _raftdb_v1_TxnResponse__Output } from '../../raftdb/v1/TxnResponse.js';
import type { OpStatus as _raftdb_v1_OpStatus, OpStatus__Output as _raftdb_v1_OpStatus__Output } from '../../raftdb/v1/OpStatus.js';
import type { Long } from '@grpc/proto-loader';

export interface PipelineResult {
  'seq'?: (number | string | Long);
  'put'?: (_raftdb_v1_PutResponse | null);
  'get'?: (_raftdb_v1_GetResponse | null);
  'delete'?: (_raftdb_v1_DeleteResponse | null);
  'range'?: (_raftdb_v1_RangeResponse | null);
  'txn'?: (_raftdb_v1_TxnResponse | null);
  'error'?: (_raftdb_v1_OpStatus | null);
  'result'?: "put"|"get"|"delete"|"range"|"txn"|"error";
}

export interface PipelineResult__Output {
  'seq': (number);
  'put'?: (_raftdb_v1_PutResponse__Output | null);
  'get'?: (_raftdb_v1_GetResponse__Output | null);
  'delete'?: (_raftdb_v1_DeleteResponse__Output | null);
  'range'?: (_raftdb_v1_RangeResponse__Output | null);
  'txn'?: (_raftdb_v1_TxnResponse__Output | null);
  'error'?: (_raftdb_v1_OpStatus__Output | null);
  'result'?: "put"|"get"|"delete"|"range"|"txn"|"error";
}
