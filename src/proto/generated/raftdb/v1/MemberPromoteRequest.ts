// Original file: proto/raftdb/v1/cluster.proto


export interface MemberPromoteRequest {
  'id'?: (string);
}

export interface MemberPromoteRequest__Output {
  'id': (string);
}
