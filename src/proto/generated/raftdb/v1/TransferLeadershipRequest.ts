// Original file: proto/raftdb/v1/cluster.proto

import type { Long } from '@grpc/proto-loader';

export interface TransferLeadershipRequest {
  'to'?: (string);
  'expectedLeader'?: (string);
  'maxLagEntries'?: (number | string | Long);
}

export interface TransferLeadershipRequest__Output {
  'to': (string);
  'expectedLeader': (string);
  'maxLagEntries': (number);
}
