// Original file: proto/raftdb/v1/cluster.proto

import type { ResponseHeader as _raftdb_v1_ResponseHeader, ResponseHeader__Output as _raftdb_v1_ResponseHeader__Output } from '../../raftdb/v1/ResponseHeader.js';
import type { Member as _raftdb_v1_Member, Member__Output as _raftdb_v1_Member__Output } from '../../raftdb/v1/Member.js';

export interface MemberAddResponse {
  'header'?: (_raftdb_v1_ResponseHeader | null);
  'members'?: (_raftdb_v1_Member)[];
}

export interface MemberAddResponse__Output {
  'header': (_raftdb_v1_ResponseHeader__Output | null);
  'members': (_raftdb_v1_Member__Output)[];
}
