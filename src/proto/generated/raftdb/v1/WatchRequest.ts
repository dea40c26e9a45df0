// Original file: proto/raftdb/v1/kv.proto

import type { Long } from '@grpc/proto-loader';

export interface WatchRequest {
  'key'?: (Buffer | Uint8Array | string);
  'rangeEnd'?: (Buffer | Uint8Array | string);
  'prefix'?: (boolean);
  'startRevision'?: (number | string | Long);
}

export interface WatchRequest__Output {
  'key': (Buffer);
  'rangeEnd': (Buffer);
  'prefix': (boolean);
  'startRevision': (number);
}
