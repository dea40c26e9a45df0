// Original file: proto/raftdb/v1/kv.proto

import type { ResponseHeader as _raftdb_v1_ResponseHeader, ResponseHeader__Output as _raftdb_v1_ResponseHeader__Output } from '../../raftdb/v1/ResponseHeader.js';
import type { KeyValue as _raftdb_v1_KeyValue, KeyValue__Output as _raftdb_v1_KeyValue__Output } from '../../raftdb/v1/KeyValue.js';
import type { Long } from '@grpc/proto-loader';

export interface RangeResponse {
  'header'?: (_raftdb_v1_ResponseHeader | null);
  'kvs'?: (_raftdb_v1_KeyValue)[];
  'more'?: (boolean);
  'count'?: (number | string | Long);
}

export interface RangeResponse__Output {
  'header': (_raftdb_v1_ResponseHeader__Output | null);
  'kvs': (_raftdb_v1_KeyValue__Output)[];
  'more': (boolean);
  'count': (number);
}
