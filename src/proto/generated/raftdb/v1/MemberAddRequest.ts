// Original file: proto/raftdb/v1/cluster.proto


export interface MemberAddRequest {
  'id'?: (string);
  'address'?: (string);
  'asLearner'?: (boolean);
}

export interface MemberAddRequest__Output {
  'id': (string);
  'address': (string);
  'asLearner': (boolean);
}
