// Original file: proto/raftdb/v1/kv.proto


export interface OpStatus {
  'code'?: (number);
  'message'?: (string);
  'leaderAddress'?: (string);
}

export interface OpStatus__Output {
  'code': (number);
  'message': (string);
  'leaderAddress': (string);
}
