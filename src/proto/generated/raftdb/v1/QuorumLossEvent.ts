// Original file: proto/raftdb/v1/cluster.proto

import type { Long } from '@grpc/proto-loader';

export interface QuorumLossEvent {
  'startedAtMs'?: (number | string | Long);
  'endedAtMs'?: (number | string | Long);
  'durationMs'?: (number | string);
  'detectedAtMs'?: (number | string | Long);
  'cause'?: (string);
  'lastLeader'?: (string);
  'lastLeaderTerm'?: (number | string | Long);
  'regainedTerm'?: (number | string | Long);
  'observedBy'?: (string)[];
}

export interface QuorumLossEvent__Output {
  'startedAtMs': (number);
  'endedAtMs': (number);
  'durationMs': (number);
  'detectedAtMs': (number);
  'cause': (string);
  'lastLeader': (string);
  'lastLeaderTerm': (number);
  'regainedTerm': (number);
  'observedBy': (string)[];
}
