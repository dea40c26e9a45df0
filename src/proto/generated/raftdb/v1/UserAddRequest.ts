// Original file: proto/raftdb/v1/auth.proto


export interface UserAddRequest {
  'name'?: (string);
  'password'?: (string);
  'noPassword'?: (boolean);
}

export interface UserAddRequest__Output {
  'name': (string);
  'password': (string);
  'noPassword': (boolean);
}
