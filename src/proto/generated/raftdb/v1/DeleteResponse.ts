// Original file: proto/raftdb/v1/kv.proto

import type { ResponseHeader as _raftdb_v1_ResponseHeader, ResponseHeader__Output as _raftdb_v1_ResponseHeader__Output } from '../../raftdb/v1/ResponseHeader.js';
import type { Long } from '@grpc/proto-loader';

export interface DeleteResponse {
  'header'?: (_raftdb_v1_ResponseHeader | null);
  'deleted'?: (number | string | Long);
}

export interface DeleteResponse__Output {
  'header': (_raftdb_v1_ResponseHeader__Output | null);
  'deleted': (number);
}
