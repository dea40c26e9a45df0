// Original file: proto/raftdb/v1/kv.proto

import type { KeyValue as _raftdb_v1_KeyValue, KeyValue__Output as _raftdb_v1_KeyValue__Output } from '../../raftdb/v1/KeyValue.js';
import type { ResponseHeader as _raftdb_v1_ResponseHeader, ResponseHeader__Output as _raftdb_v1_ResponseHeader__Output } from '../../raftdb/v1/ResponseHeader.js';
import type { Long } from '@grpc/proto-loader';

// Original file: proto/raftdb/v1/kv.proto

export const _raftdb_v1_WatchEvent_EventType = {
  PUT: 'PUT',
  DELETE: 'DELETE',
} as const;

export type _raftdb_v1_WatchEvent_EventType =
  | 'PUT'
  | 0
  | 'DELETE'
  | 1

export type _raftdb_v1_WatchEvent_EventType__Output = typeof _raftdb_v1_WatchEvent_EventType[keyof typeof _raftdb_v1_WatchEvent_EventType]

export interface WatchEvent {
  'type'?: (_raftdb_v1_WatchEvent_EventType);
  'kv'?: (_raftdb_v1_KeyValue | null);
  'prevKv'?: (_raftdb_v1_KeyValue | null);
  'revision'?: (number | string | Long);
  'header'?: (_raftdb_v1_ResponseHeader | null);
  'indexInRevision'?: (number);
  'lastInRevision'?: (boolean);
}

export interface WatchEvent__Output {
  'type': (_raftdb_v1_WatchEvent_EventType__Output);
  'kv': (_raftdb_v1_KeyValue__Output | null);
  'prevKv': (_raftdb_v1_KeyValue__Output | null);
  'revision': (number);
  'header': (_raftdb_v1_ResponseHeader__Output | null);
  'indexInRevision': (number);
  'lastInRevision': (boolean);
}
