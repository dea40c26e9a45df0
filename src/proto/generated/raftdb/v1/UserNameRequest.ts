// Original file: proto/raftdb/v1/auth.proto


export interface UserNameRequest {
  'name'?: (string);
}

export interface UserNameRequest__Output {
  'name': (string);
}
