// Original file: proto/raftdb/v1/auth.proto

import type { ResponseHeader as _raftdb_v1_ResponseHeader, ResponseHeader__Output as _raftdb_v1_ResponseHeader__Output } from '../../raftdb/v1/ResponseHeader.js';

export interface UserGetResponse {
  'header'?: (_raftdb_v1_ResponseHeader | null);
  'name'?: (string);
  'roles'?: (string)[];
  'hasPassword'?: (boolean);
}

export interface UserGetResponse__Output {
  'header': (_raftdb_v1_ResponseHeader__Output | null);
  'name': (string);
  'roles': (string)[];
  'hasPassword': (boolean);
}
