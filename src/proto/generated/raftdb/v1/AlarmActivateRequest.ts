// Original file: proto/raftdb/v1/cluster.proto


export interface AlarmActivateRequest {
  'memberId'?: (string);
  'alarm'?: (string);
}

export interface AlarmActivateRequest__Output {
  'memberId': (string);
  'alarm': (string);
}
