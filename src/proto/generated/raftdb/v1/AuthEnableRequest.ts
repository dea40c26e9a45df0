// Original file: proto/raftdb/v1/auth.proto


export interface AuthEnableRequest {
}

export interface AuthEnableRequest__Output {
}
