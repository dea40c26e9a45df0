// Original file: proto/raftdb/v1/maintenance.proto


export interface BackupRequest {
}

export interface BackupRequest__Output {
}
