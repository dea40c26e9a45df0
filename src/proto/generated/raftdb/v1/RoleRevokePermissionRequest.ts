// Original file: proto/raftdb/v1/auth.proto


export interface RoleRevokePermissionRequest {
  'name'?: (string);
  'key'?: (Buffer | Uint8Array | string);
  'rangeEnd'?: (Buffer | Uint8Array | string);
}

export interface RoleRevokePermissionRequest__Output {
  'name': (string);
  'key': (Buffer);
  'rangeEnd': (Buffer);
}
