// Original file: proto/raftdb/v1/cluster.proto


export interface MemberRemoveRequest {
  'id'?: (string);
}

export interface MemberRemoveRequest__Output {
  'id': (string);
}
