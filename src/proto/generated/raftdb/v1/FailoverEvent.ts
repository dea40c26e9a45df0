// Original file: proto/raftdb/v1/cluster.proto

import type { Long } from '@grpc/proto-loader';

export interface FailoverEvent {
  'term'?: (number | string | Long);
  'from'?: (string);
  'to'?: (string);
  'reason'?: (string);
  'detectedAtMs'?: (number | string | Long);
  'electedAtMs'?: (number | string | Long);
  'firstWriteAtMs'?: (number | string | Long);
  'unavailableMs'?: (number | string);
}

export interface FailoverEvent__Output {
  'term': (number);
  'from': (string);
  'to': (string);
  'reason': (string);
  'detectedAtMs': (number);
  'electedAtMs': (number);
  'firstWriteAtMs': (number);
  'unavailableMs': (number);
}
