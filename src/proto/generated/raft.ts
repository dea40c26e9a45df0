import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { ForwardBatch as _raftdb_v1_ForwardBatch, ForwardBatch__Output as _raftdb_v1_ForwardBatch__Output } from './raftdb/v1/ForwardBatch.js';
import type { ForwardReplies as _raftdb_v1_ForwardReplies, ForwardReplies__Output as _raftdb_v1_ForwardReplies__Output } from './raftdb/v1/ForwardReplies.js';
import type { ForwardReply as _raftdb_v1_ForwardReply, ForwardReply__Output as _raftdb_v1_ForwardReply__Output } from './raftdb/v1/ForwardReply.js';
import type { ForwardRequest as _raftdb_v1_ForwardRequest, ForwardRequest__Output as _raftdb_v1_ForwardRequest__Output } from './raftdb/v1/ForwardRequest.js';
import type { RaftClient as _raftdb_v1_RaftClient, RaftDefinition as _raftdb_v1_RaftDefinition } from './raftdb/v1/Raft.js';
import type { RaftAck as _raftdb_v1_RaftAck, RaftAck__Output as _raftdb_v1_RaftAck__Output } from './raftdb/v1/RaftAck.js';
import type { RaftBatch as _raftdb_v1_RaftBatch, RaftBatch__Output as _raftdb_v1_RaftBatch__Output } from './raftdb/v1/RaftBatch.js';
import type { SnapshotAck as _raftdb_v1_SnapshotAck, SnapshotAck__Output as _raftdb_v1_SnapshotAck__Output } from './raftdb/v1/SnapshotAck.js';
import type { SnapshotChunk as _raftdb_v1_SnapshotChunk, SnapshotChunk__Output as _raftdb_v1_SnapshotChunk__Output } from './raftdb/v1/SnapshotChunk.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  raftdb: {
    v1: {
      ForwardBatch: MessageTypeDefinition<_raftdb_v1_ForwardBatch, _raftdb_v1_ForwardBatch__Output>
      ForwardReplies: MessageTypeDefinition<_raftdb_v1_ForwardReplies, _raftdb_v1_ForwardReplies__Output>
      ForwardReply: MessageTypeDefinition<_raftdb_v1_ForwardReply, _raftdb_v1_ForwardReply__Output>
      ForwardRequest: MessageTypeDefinition<_raftdb_v1_ForwardRequest, _raftdb_v1_ForwardRequest__Output>
      Raft: SubtypeConstructor<typeof grpc.Client, _raftdb_v1_RaftClient> & { service: _raftdb_v1_RaftDefinition }
      RaftAck: MessageTypeDefinition<_raftdb_v1_RaftAck, _raftdb_v1_RaftAck__Output>
      RaftBatch: MessageTypeDefinition<_raftdb_v1_RaftBatch, _raftdb_v1_RaftBatch__Output>
      SnapshotAck: MessageTypeDefinition<_raftdb_v1_SnapshotAck, _raftdb_v1_SnapshotAck__Output>
      SnapshotChunk: MessageTypeDefinition<_raftdb_v1_SnapshotChunk, _raftdb_v1_SnapshotChunk__Output>
    }
  }
}

