// Original file: proto/raftdb/v1/auth.proto

import type { ResponseHeader as _raftdb_v1_ResponseHeader, ResponseHeader__Output as _raftdb_v1_ResponseHeader__Output } from '../../raftdb/v1/ResponseHeader.js';

export interface AuthenticateResponse {
  'header'?: (_raftdb_v1_ResponseHeader | null);
  'token'?: (string);
  'ttlMs'?: (number);
}

export interface AuthenticateResponse__Output {
  'header': (_raftdb_v1_ResponseHeader__Output | null);
  'token': (string);
  'ttlMs': (number);
}
