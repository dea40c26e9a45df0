// Original file: proto/raftdb/v1/cluster.proto

import type { ResponseHeader as _raftdb_v1_ResponseHeader, ResponseHeader__Output as _raftdb_v1_ResponseHeader__Output } from '../../raftdb/v1/ResponseHeader.js';
import type { CommitMode as _raftdb_v1_CommitMode, CommitMode__Output as _raftdb_v1_CommitMode__Output } from '../../raftdb/v1/CommitMode.js';

export interface SetCommitModeResponse {
  'header'?: (_raftdb_v1_ResponseHeader | null);
  'mode'?: (_raftdb_v1_CommitMode);
}

export interface SetCommitModeResponse__Output {
  'header': (_raftdb_v1_ResponseHeader__Output | null);
  'mode': (_raftdb_v1_CommitMode__Output);
}
