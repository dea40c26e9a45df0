// Original file: proto/raftdb/v1/cluster.proto


export interface DefragmentRequest {
}

export interface DefragmentRequest__Output {
}
