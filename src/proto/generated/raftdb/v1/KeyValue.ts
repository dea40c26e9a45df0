// Original file: proto/raftdb/v1/kv.proto

import type { Long } from '@grpc/proto-loader';

export interface KeyValue {
  'key'?: (Buffer | Uint8Array | string);
  'value'?: (Buffer | Uint8Array | string);
  'createRevision'?: (number | string | Long);
  'modRevision'?: (number | string | Long);
  'version'?: (number | string | Long);
}

export interface KeyValue__Output {
  'key': (Buffer);
  'value': (Buffer);
  'createRevision': (number);
  'modRevision': (number);
  'version': (number);
}
