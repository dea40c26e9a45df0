// Original file: proto/raftdb/v1/cluster.proto


export interface FailoverHistoryRequest {
  'limit'?: (number);
}

export interface FailoverHistoryRequest__Output {
  'limit': (number);
}
