// Original file: proto/raftdb/v1/cluster.proto


export interface AlarmListRequest {
}

export interface AlarmListRequest__Output {
}
