// Original file: proto/raftdb/v1/auth.proto

import type { ResponseHeader as _raftdb_v1_ResponseHeader, ResponseHeader__Output as _raftdb_v1_ResponseHeader__Output } from '../../raftdb/v1/ResponseHeader.js';

export interface UserListResponse {
  'header'?: (_raftdb_v1_ResponseHeader | null);
  'users'?: (string)[];
}

export interface UserListResponse__Output {
  'header': (_raftdb_v1_ResponseHeader__Output | null);
  'users': (string)[];
}
