// Original file: proto/raftdb/v1/auth.proto


export interface AuthDisableRequest {
}

export interface AuthDisableRequest__Output {
}
