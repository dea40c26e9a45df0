// Original file: proto/raftdb/v1/auth.proto


export interface RoleNameRequest {
  'name'?: (string);
}

export interface RoleNameRequest__Output {
  'name': (string);
}
