// Original file: proto/raftdb/v1/raft.proto

import type { ForwardReply as _raftdb_v1_ForwardReply, ForwardReply__Output as _raftdb_v1_ForwardReply__Output } from '../../raftdb/v1/ForwardReply.js';

export interface ForwardReplies {
  'replies'?: (_raftdb_v1_ForwardReply)[];
}

export interface ForwardReplies__Output {
  'replies': (_raftdb_v1_ForwardReply__Output)[];
}
