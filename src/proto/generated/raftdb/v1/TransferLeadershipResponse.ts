// Original file: proto/raftdb/v1/cluster.proto

import type { ResponseHeader as _raftdb_v1_ResponseHeader, ResponseHeader__Output as _raftdb_v1_ResponseHeader__Output } from '../../raftdb/v1/ResponseHeader.js';
import type { SwitchoverState as _raftdb_v1_SwitchoverState, SwitchoverState__Output as _raftdb_v1_SwitchoverState__Output } from '../../raftdb/v1/SwitchoverState.js';

export interface TransferLeadershipResponse {
  'header'?: (_raftdb_v1_ResponseHeader | null);
  'switchover'?: (_raftdb_v1_SwitchoverState | null);
  'leader'?: (string);
}

export interface TransferLeadershipResponse__Output {
  'header': (_raftdb_v1_ResponseHeader__Output | null);
  'switchover': (_raftdb_v1_SwitchoverState__Output | null);
  'leader': (string);
}
