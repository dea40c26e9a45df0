// Original file: proto/raftdb/v1/auth.proto


export interface UserRoleRequest {
  'user'?: (string);
  'role'?: (string);
}

export interface UserRoleRequest__Output {
  'user': (string);
  'role': (string);
}
