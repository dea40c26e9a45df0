// Original file: proto/raftdb/v1/cluster.proto


export interface Member {
  'id'?: (string);
  'address'?: (string);
  'isLearner'?: (boolean);
}

export interface Member__Output {
  'id': (string);
  'address': (string);
  'isLearner': (boolean);
}
