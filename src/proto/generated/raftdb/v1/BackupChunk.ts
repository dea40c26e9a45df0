// Original file: proto/raftdb/v1/maintenance.proto

import type { BackupManifest as _raftdb_v1_BackupManifest, BackupManifest__Output as _raftdb_v1_BackupManifest__Output } from '../../raftdb/v1/BackupManifest.js';
import type { BackupSummary as _raftdb_v1_BackupSummary, BackupSummary__Output as _raftdb_v1_BackupSummary__Output } from '../../raftdb/v1/BackupSummary.js';

export interface BackupChunk {
  'manifest'?: (_raftdb_v1_BackupManifest | null);
  'data'?: (Buffer | Uint8Array | string);
  'summary'?: (_raftdb_v1_BackupSummary | null);
  'part'?: "manifest"|"data"|"summary";
}

export interface BackupChunk__Output {
  'manifest'?: (_raftdb_v1_BackupManifest__Output | null);
  'data'?: (Buffer);
  'summary'?: (_raftdb_v1_BackupSummary__Output | null);
  'part'?: "manifest"|"data"|"summary";
}
