// Original file: proto/raftdb/v1/cluster.proto

import type { Long } from '@grpc/proto-loader';

export interface SwitchoverState {
  'id'?: (string);
  'state'?: (string);
  'from'?: (string);
  'to'?: (string);
  'reason'?: (string);
  'unavailableMs'?: (number | string);
  'startedAtMs'?: (number | string | Long);
  'finishedAtMs'?: (number | string | Long);
}

export interface SwitchoverState__Output {
  'id': (string);
  'state': (string);
  'from': (string);
  'to': (string);
  'reason': (string);
  'unavailableMs': (number);
  'startedAtMs': (number);
  'finishedAtMs': (number);
}
