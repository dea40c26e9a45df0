// Original file: proto/raftdb/v1/cluster.proto


export interface AlarmDisarmRequest {
  'memberId'?: (string);
  'alarm'?: (string);
}

export interface AlarmDisarmRequest__Output {
  'memberId': (string);
  'alarm': (string);
}
