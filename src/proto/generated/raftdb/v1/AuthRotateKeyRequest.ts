// Original file: proto/raftdb/v1/auth.proto


export interface AuthRotateKeyRequest {
}

export interface AuthRotateKeyRequest__Output {
}
