// Original file: proto/raftdb/v1/auth.proto

import type { ResponseHeader as _raftdb_v1_ResponseHeader, ResponseHeader__Output as _raftdb_v1_ResponseHeader__Output } from '../../raftdb/v1/ResponseHeader.js';
import type { Permission as _raftdb_v1_Permission, Permission__Output as _raftdb_v1_Permission__Output } from '../../raftdb/v1/Permission.js';

export interface RoleGetResponse {
  'header'?: (_raftdb_v1_ResponseHeader | null);
  'name'?: (string);
  'permissions'?: (_raftdb_v1_Permission)[];
}

export interface RoleGetResponse__Output {
  'header': (_raftdb_v1_ResponseHeader__Output | null);
  'name': (string);
  'permissions': (_raftdb_v1_Permission__Output)[];
}
