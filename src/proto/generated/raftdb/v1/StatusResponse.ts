// Original file: proto/raftdb/v1/cluster.proto

import type { FollowerProgress as _raftdb_v1_FollowerProgress, FollowerProgress__Output as _raftdb_v1_FollowerProgress__Output } from '../../raftdb/v1/FollowerProgress.js';
import type { CommitMode as _raftdb_v1_CommitMode, CommitMode__Output as _raftdb_v1_CommitMode__Output } from '../../raftdb/v1/CommitMode.js';
import type { SwitchoverState as _raftdb_v1_SwitchoverState, SwitchoverState__Output as _raftdb_v1_SwitchoverState__Output } from '../../raftdb/v1/SwitchoverState.js';
import type { Long } from '@grpc/proto-loader';

export interface StatusResponse {
  'id'?: (string);
  'address'?: (string);
  'role'?: (string);
  'term'?: (number | string | Long);
  'leader'?: (string);
  'leaderAddress'?: (string);
  'commitIndex'?: (number | string | Long);
  'appliedIndex'?: (number | string | Long);
  'lastIndex'?: (number | string | Long);
  'snapshotIndex'?: (number | string | Long);
  'followers'?: (_raftdb_v1_FollowerProgress)[];
  'hasQuorum'?: (boolean);
  'commitMode'?: (_raftdb_v1_CommitMode);
  'effectiveCommitMode'?: (_raftdb_v1_CommitMode);
  'voters'?: (string)[];
  'learners'?: (string)[];
  'joint'?: (boolean);
  'revision'?: (number | string | Long);
  'priority'?: (number);
  'version'?: (string);
  'alarms'?: (string)[];
  'switchover'?: (_raftdb_v1_SwitchoverState | null);
  'syncDegraded'?: (boolean);
  'ackedWritesByMode'?: ({[key: string]: number | string | Long});
  'syncDegradations'?: (number | string | Long);
  'asyncLostWrites'?: (number | string | Long);
  'backendBytes'?: (number | string | Long);
  'quotaBackendBytes'?: (number | string | Long);
  'lastLeader'?: (string);
  'lastLeaderTerm'?: (number | string | Long);
  'archiveActive'?: (boolean);
  'archiveLastRevision'?: (number | string | Long);
  'archiveLagSeconds'?: (number | string);
  'lastBackupAtMs'?: (number | string | Long);
  'lastBackupRevision'?: (number | string | Long);
  'lastBackupError'?: (string);
  'walBytes'?: (number | string | Long);
  'walFsyncP99Ms'?: (number | string);
}

export interface StatusResponse__Output {
  'id': (string);
  'address': (string);
  'role': (string);
  'term': (number);
  'leader': (string);
  'leaderAddress': (string);
  'commitIndex': (number);
  'appliedIndex': (number);
  'lastIndex': (number);
  'snapshotIndex': (number);
  'followers': (_raftdb_v1_FollowerProgress__Output)[];
  'hasQuorum': (boolean);
  'commitMode': (_raftdb_v1_CommitMode__Output);
  'effectiveCommitMode': (_raftdb_v1_CommitMode__Output);
  'voters': (string)[];
  'learners': (string)[];
  'joint': (boolean);
  'revision': (number);
  'priority': (number);
  'version': (string);
  'alarms': (string)[];
  'switchover': (_raftdb_v1_SwitchoverState__Output | null);
  'syncDegraded': (boolean);
  'ackedWritesByMode': ({[key: string]: number});
  'syncDegradations': (number);
  'asyncLostWrites': (number);
  'backendBytes': (number);
  'quotaBackendBytes': (number);
  'lastLeader': (string);
  'lastLeaderTerm': (number);
  'archiveActive': (boolean);
  'archiveLastRevision': (number);
  'archiveLagSeconds': (number);
  'lastBackupAtMs': (number);
  'lastBackupRevision': (number);
  'lastBackupError': (string);
  'walBytes': (number);
  'walFsyncP99Ms': (number);
}
