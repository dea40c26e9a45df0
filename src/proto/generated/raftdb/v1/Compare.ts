// Original file: proto/raftdb/v1/kv.proto

import type { Long } from '@grpc/proto-loader';

// Original file: proto/raftdb/v1/kv.proto

export const _raftdb_v1_Compare_Op = {
  EQUAL: 'EQUAL',
  NOT_EQUAL: 'NOT_EQUAL',
  LESS: 'LESS',
  GREATER: 'GREATER',
} as const;

export type _raftdb_v1_Compare_Op =
  | 'EQUAL'
  | 0
  | 'NOT_EQUAL'
  | 1
  | 'LESS'
  | 2
  | 'GREATER'
  | 3

export type _raftdb_v1_Compare_Op__Output = typeof _raftdb_v1_Compare_Op[keyof typeof _raftdb_v1_Compare_Op]

// Original file: proto/raftdb/v1/kv.proto

export const _raftdb_v1_Compare_Target = {
  VALUE: 'VALUE',
  VERSION: 'VERSION',
  MOD_REVISION: 'MOD_REVISION',
  CREATE_REVISION: 'CREATE_REVISION',
} as const;

export type _raftdb_v1_Compare_Target =
  | 'VALUE'
  | 0
  | 'VERSION'
  | 1
  | 'MOD_REVISION'
  | 2
  | 'CREATE_REVISION'
  | 3

export type _raftdb_v1_Compare_Target__Output = typeof _raftdb_v1_Compare_Target[keyof typeof _raftdb_v1_Compare_Target]

export interface Compare {
  'key'?: (Buffer | Uint8Array | string);
  'target'?: (_raftdb_v1_Compare_Target);
  'op'?: (_raftdb_v1_Compare_Op);
  'value'?: (Buffer | Uint8Array | string);
  'number'?: (number | string | Long);
}

export interface Compare__Output {
  'key': (Buffer);
  'target': (_raftdb_v1_Compare_Target__Output);
  'op': (_raftdb_v1_Compare_Op__Output);
  'value': (Buffer);
  'number': (number);
}
