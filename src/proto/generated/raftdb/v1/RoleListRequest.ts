// Original file: proto/raftdb/v1/auth.proto


export interface RoleListRequest {
}

export interface RoleListRequest__Output {
}
