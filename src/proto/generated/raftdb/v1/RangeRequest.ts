// Original file: proto/raftdb/v1/kv.proto

import type { Consistency as _raftdb_v1_Consistency, Consistency__Output as _raftdb_v1_Consistency__Output } from '../../raftdb/v1/Consistency.js';
import type { Long } from '@grpc/proto-loader';

// Original file: proto/raftdb/v1/kv.proto

export const _raftdb_v1_RangeRequest_SortOrder = {
  NONE: 'NONE',
  ASCEND: 'ASCEND',
  DESCEND: 'DESCEND',
} as const;

export type _raftdb_v1_RangeRequest_SortOrder =
  | 'NONE'
  | 0
  | 'ASCEND'
  | 1
  | 'DESCEND'
  | 2

export type _raftdb_v1_RangeRequest_SortOrder__Output = typeof _raftdb_v1_RangeRequest_SortOrder[keyof typeof _raftdb_v1_RangeRequest_SortOrder]

// Original file: proto/raftdb/v1/kv.proto

export const _raftdb_v1_RangeRequest_SortTarget = {
  KEY: 'KEY',
  VERSION: 'VERSION',
  CREATE: 'CREATE',
  MOD: 'MOD',
  VALUE: 'VALUE',
} as const;

export type _raftdb_v1_RangeRequest_SortTarget =
  | 'KEY'
  | 0
  | 'VERSION'
  | 1
  | 'CREATE'
  | 2
  | 'MOD'
  | 3
  | 'VALUE'
  | 4

export type _raftdb_v1_RangeRequest_SortTarget__Output = typeof _raftdb_v1_RangeRequest_SortTarget[keyof typeof _raftdb_v1_RangeRequest_SortTarget]

export interface RangeRequest {
  'key'?: (Buffer | Uint8Array | string);
  'rangeEnd'?: (Buffer | Uint8Array | string);
  'prefix'?: (boolean);
  'limit'?: (number | string | Long);
  'revision'?: (number | string | Long);
  'consistency'?: (_raftdb_v1_Consistency);
  'keysOnly'?: (boolean);
  'countOnly'?: (boolean);
  'sortOrder'?: (_raftdb_v1_RangeRequest_SortOrder);
  'sortTarget'?: (_raftdb_v1_RangeRequest_SortTarget);
}

export interface RangeRequest__Output {
  'key': (Buffer);
  'rangeEnd': (Buffer);
  'prefix': (boolean);
  'limit': (number);
  'revision': (number);
  'consistency': (_raftdb_v1_Consistency__Output);
  'keysOnly': (boolean);
  'countOnly': (boolean);
  'sortOrder': (_raftdb_v1_RangeRequest_SortOrder__Output);
  'sortTarget': (_raftdb_v1_RangeRequest_SortTarget__Output);
}
