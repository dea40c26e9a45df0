// Original file: proto/raftdb/v1/maintenance.proto

import type { Long } from '@grpc/proto-loader';

export interface BackupSummary {
  'keyCount'?: (number | string | Long);
  'hashKv'?: (string);
  'snapshotBytes'?: (number | string | Long);
  'records'?: (number | string | Long);
  'snapshotSha256'?: (string);
}

export interface BackupSummary__Output {
  'keyCount': (number);
  'hashKv': (string);
  'snapshotBytes': (number);
  'records': (number);
  'snapshotSha256': (string);
}
