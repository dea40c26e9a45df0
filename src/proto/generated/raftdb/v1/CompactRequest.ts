// Original file: proto/raftdb/v1/cluster.proto

import type { Long } from '@grpc/proto-loader';

export interface CompactRequest {
  'revision'?: (number | string | Long);
}

export interface CompactRequest__Output {
  'revision': (number);
}
