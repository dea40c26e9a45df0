// Original file: proto/raftdb/v1/cluster.proto


export interface AlarmMember {
  'memberId'?: (string);
  'alarm'?: (string);
}

export interface AlarmMember__Output {
  'memberId': (string);
  'alarm': (string);
}
