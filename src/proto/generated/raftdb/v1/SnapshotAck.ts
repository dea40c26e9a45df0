// Original file: proto/raftdb/v1/raft.proto

import type { Long } from '@grpc/proto-loader';

export interface SnapshotAck {
  'accepted'?: (boolean);
  'reason'?: (string);
  'incarnation'?: (number | string | Long);
}

export interface SnapshotAck__Output {
  'accepted': (boolean);
  'reason': (string);
  'incarnation': (number);
}
