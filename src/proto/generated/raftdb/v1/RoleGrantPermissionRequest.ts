// Original file: proto/raftdb/v1/auth.proto

import type { Permission as _raftdb_v1_Permission, Permission__Output as _raftdb_v1_Permission__Output } from '../../raftdb/v1/Permission.js';

export interface RoleGrantPermissionRequest {
  'name'?: (string);
  'permission'?: (_raftdb_v1_Permission | null);
}

export interface RoleGrantPermissionRequest__Output {
  'name': (string);
  'permission': (_raftdb_v1_Permission__Output | null);
}
