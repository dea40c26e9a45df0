// Original file: proto/raftdb/v1/maintenance.proto

import type { ResponseHeader as _raftdb_v1_ResponseHeader, ResponseHeader__Output as _raftdb_v1_ResponseHeader__Output } from '../../raftdb/v1/ResponseHeader.js';
import type { Long } from '@grpc/proto-loader';

export interface HashKVResponse {
  'header'?: (_raftdb_v1_ResponseHeader | null);
  'hash'?: (string);
  'revision'?: (number | string | Long);
  'compactRevision'?: (number | string | Long);
  'keyCount'?: (number | string | Long);
  'algorithm'?: (string);
}

export interface HashKVResponse__Output {
  'header': (_raftdb_v1_ResponseHeader__Output | null);
  'hash': (string);
  'revision': (number);
  'compactRevision': (number);
  'keyCount': (number);
  'algorithm': (string);
}
