// Original file: proto/raftdb/v1/auth.proto


export interface AuthStatusRequest {
}

export interface AuthStatusRequest__Output {
}
