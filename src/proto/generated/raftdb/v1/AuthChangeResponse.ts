// Original file: proto/raftdb/v1/auth.proto

import type { ResponseHeader as _raftdb_v1_ResponseHeader, ResponseHeader__Output as _raftdb_v1_ResponseHeader__Output } from '../../raftdb/v1/ResponseHeader.js';
import type { Long } from '@grpc/proto-loader';

export interface AuthChangeResponse {
  'header'?: (_raftdb_v1_ResponseHeader | null);
  'authRevision'?: (number | string | Long);
}

export interface AuthChangeResponse__Output {
  'header': (_raftdb_v1_ResponseHeader__Output | null);
  'authRevision': (number);
}
