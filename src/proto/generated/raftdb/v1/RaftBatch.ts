// Original file: proto/raftdb/v1/raft.proto

import type { Long } from '@grpc/proto-loader';

export interface RaftBatch {
  'from'?: (string);
  'clusterId'?: (string);
  'messages'?: (Buffer | Uint8Array | string)[];
  'incarnation'?: (number | string | Long);
}

export interface RaftBatch__Output {
  'from': (string);
  'clusterId': (string);
  'messages': (Buffer)[];
  'incarnation': (number);
}
