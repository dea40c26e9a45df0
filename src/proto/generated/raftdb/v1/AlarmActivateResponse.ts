// Original file: proto/raftdb/v1/cluster.proto

import type { ResponseHeader as _raftdb_v1_ResponseHeader, ResponseHeader__Output as _raftdb_v1_ResponseHeader__Output } from '../../raftdb/v1/ResponseHeader.js';
import type { AlarmMember as _raftdb_v1_AlarmMember, AlarmMember__Output as _raftdb_v1_AlarmMember__Output } from '../../raftdb/v1/AlarmMember.js';

export interface AlarmActivateResponse {
  'header'?: (_raftdb_v1_ResponseHeader | null);
  'alarms'?: (_raftdb_v1_AlarmMember)[];
}

export interface AlarmActivateResponse__Output {
  'header': (_raftdb_v1_ResponseHeader__Output | null);
  'alarms': (_raftdb_v1_AlarmMember__Output)[];
}
