// Original file: proto/raftdb/v1/cluster.proto

import type { CommitMode as _raftdb_v1_CommitMode, CommitMode__Output as _raftdb_v1_CommitMode__Output } from '../../raftdb/v1/CommitMode.js';

export interface SetCommitModeRequest {
  'mode'?: (_raftdb_v1_CommitMode);
  'syncPolicy'?: (string);
  'syncTimeoutMs'?: (number);
  'minSyncReplicas'?: (number);
}

export interface SetCommitModeRequest__Output {
  'mode': (_raftdb_v1_CommitMode__Output);
  'syncPolicy': (string);
  'syncTimeoutMs': (number);
  'minSyncReplicas': (number);
}
