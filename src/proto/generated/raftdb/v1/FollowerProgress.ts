// Original file: proto/raftdb/v1/cluster.proto

import type { Long } from '@grpc/proto-loader';

export interface FollowerProgress {
  'id'?: (string);
  'matchIndex'?: (number | string | Long);
  'nextIndex'?: (number | string | Long);
  'lagEntries'?: (number | string | Long);
  'state'?: (string);
  'recentActive'?: (boolean);
  'lastContactMs'?: (number | string | Long);
}

export interface FollowerProgress__Output {
  'id': (string);
  'matchIndex': (number);
  'nextIndex': (number);
  'lagEntries': (number);
  'state': (string);
  'recentActive': (boolean);
  'lastContactMs': (number);
}
