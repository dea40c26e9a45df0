// Original file: proto/raftdb/v1/kv.proto

export const CommitMode = {
  DEFAULT: 'DEFAULT',
  SYNC: 'SYNC',
  SEMI_SYNC: 'SEMI_SYNC',
  ASYNC: 'ASYNC',
} as const;

export type CommitMode =
  | 'DEFAULT'
  | 0
  | 'SYNC'
  | 1
  | 'SEMI_SYNC'
  | 2
  | 'ASYNC'
  | 3

export type CommitMode__Output = typeof CommitMode[keyof typeof CommitMode]
