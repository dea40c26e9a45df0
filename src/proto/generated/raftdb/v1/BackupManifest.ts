// Original file: proto/raftdb/v1/maintenance.proto

import type { Long } from '@grpc/proto-loader';

export interface BackupManifest {
  'formatVersion'?: (number);
  'snapshotFormatVersion'?: (number);
  'clusterId'?: (string);
  'memberId'?: (string);
  'revision'?: (number | string | Long);
  'raftIndex'?: (number | string | Long);
  'raftTerm'?: (number | string | Long);
  'createdAtMs'?: (number | string | Long);
  'raftdbVersion'?: (string);
  'hashAlgorithm'?: (string);
  'estimatedBytes'?: (number | string | Long);
}

export interface BackupManifest__Output {
  'formatVersion': (number);
  'snapshotFormatVersion': (number);
  'clusterId': (string);
  'memberId': (string);
  'revision': (number);
  'raftIndex': (number);
  'raftTerm': (number);
  'createdAtMs': (number);
  'raftdbVersion': (string);
  'hashAlgorithm': (string);
  'estimatedBytes': (number);
}
