// Original file: proto/raftdb/v1/kv.proto

export const Consistency = {
  LINEARIZABLE: 'LINEARIZABLE',
  LEASE: 'LEASE',
  SERIALIZABLE: 'SERIALIZABLE',
} as const;

export type Consistency =
  | 'LINEARIZABLE'
  | 0
  | 'LEASE'
  | 1
  | 'SERIALIZABLE'
  | 2

export type Consistency__Output = typeof Consistency[keyof typeof Consistency]
