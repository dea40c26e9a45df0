// Original file: proto/raftdb/v1/cluster.proto


export interface StatusRequest {
}

export interface StatusRequest__Output {
}
