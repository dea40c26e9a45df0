// Original file: proto/raftdb/v1/cluster.proto


export interface FailbackRequest {
}

export interface FailbackRequest__Output {
}
