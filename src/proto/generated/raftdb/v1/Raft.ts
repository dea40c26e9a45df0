// Original file: proto/raftdb/v1/raft.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ForwardBatch as _raftdb_v1_ForwardBatch, ForwardBatch__Output as _raftdb_v1_ForwardBatch__Output } from '../../raftdb/v1/ForwardBatch.js';
import type { ForwardReplies as _raftdb_v1_ForwardReplies, ForwardReplies__Output as _raftdb_v1_ForwardReplies__Output } from '../../raftdb/v1/ForwardReplies.js';
import type { RaftAck as _raftdb_v1_RaftAck, RaftAck__Output as _raftdb_v1_RaftAck__Output } from '../../raftdb/v1/RaftAck.js';
import type { RaftBatch as _raftdb_v1_RaftBatch, RaftBatch__Output as _raftdb_v1_RaftBatch__Output } from '../../raftdb/v1/RaftBatch.js';
import type { SnapshotAck as _raftdb_v1_SnapshotAck, SnapshotAck__Output as _raftdb_v1_SnapshotAck__Output } from '../../raftdb/v1/SnapshotAck.js';
import type { SnapshotChunk as _raftdb_v1_SnapshotChunk, SnapshotChunk__Output as _raftdb_v1_SnapshotChunk__Output } from '../../raftdb/v1/SnapshotChunk.js';

export interface RaftClient extends grpc.Client {
  Forward(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_raftdb_v1_ForwardBatch, _raftdb_v1_ForwardReplies__Output>;
  Forward(options?: grpc.CallOptions): grpc.ClientDuplexStream<_raftdb_v1_ForwardBatch, _raftdb_v1_ForwardReplies__Output>;
  forward(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_raftdb_v1_ForwardBatch, _raftdb_v1_ForwardReplies__Output>;
  forward(options?: grpc.CallOptions): grpc.ClientDuplexStream<_raftdb_v1_ForwardBatch, _raftdb_v1_ForwardReplies__Output>;
  
  InstallSnapshot(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_SnapshotAck__Output>): grpc.ClientWritableStream<_raftdb_v1_SnapshotChunk>;
  InstallSnapshot(metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_SnapshotAck__Output>): grpc.ClientWritableStream<_raftdb_v1_SnapshotChunk>;
  InstallSnapshot(options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_SnapshotAck__Output>): grpc.ClientWritableStream<_raftdb_v1_SnapshotChunk>;
  InstallSnapshot(callback: grpc.requestCallback<_raftdb_v1_SnapshotAck__Output>): grpc.ClientWritableStream<_raftdb_v1_SnapshotChunk>;
  installSnapshot(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_SnapshotAck__Output>): grpc.ClientWritableStream<_raftdb_v1_SnapshotChunk>;
  installSnapshot(metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_SnapshotAck__Output>): grpc.ClientWritableStream<_raftdb_v1_SnapshotChunk>;
  installSnapshot(options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_SnapshotAck__Output>): grpc.ClientWritableStream<_raftdb_v1_SnapshotChunk>;
  installSnapshot(callback: grpc.requestCallback<_raftdb_v1_SnapshotAck__Output>): grpc.ClientWritableStream<_raftdb_v1_SnapshotChunk>;
  
  Send(argument: _raftdb_v1_RaftBatch, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_RaftAck__Output>): grpc.ClientUnaryCall;
  Send(argument: _raftdb_v1_RaftBatch, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_RaftAck__Output>): grpc.ClientUnaryCall;
  Send(argument: _raftdb_v1_RaftBatch, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_RaftAck__Output>): grpc.ClientUnaryCall;
  Send(argument: _raftdb_v1_RaftBatch, callback: grpc.requestCallback<_raftdb_v1_RaftAck__Output>): grpc.ClientUnaryCall;
  send(argument: _raftdb_v1_RaftBatch, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_RaftAck__Output>): grpc.ClientUnaryCall;
  send(argument: _raftdb_v1_RaftBatch, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_RaftAck__Output>): grpc.ClientUnaryCall;
  send(argument: _raftdb_v1_RaftBatch, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_RaftAck__Output>): grpc.ClientUnaryCall;
  send(argument: _raftdb_v1_RaftBatch, callback: grpc.requestCallback<_raftdb_v1_RaftAck__Output>): grpc.ClientUnaryCall;
  
  Stream(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_RaftAck__Output>): grpc.ClientWritableStream<_raftdb_v1_RaftBatch>;
  Stream(metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_RaftAck__Output>): grpc.ClientWritableStream<_raftdb_v1_RaftBatch>;
  Stream(options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_RaftAck__Output>): grpc.ClientWritableStream<_raftdb_v1_RaftBatch>;
  Stream(callback: grpc.requestCallback<_raftdb_v1_RaftAck__Output>): grpc.ClientWritableStream<_raftdb_v1_RaftBatch>;
  stream(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_RaftAck__Output>): grpc.ClientWritableStream<_raftdb_v1_RaftBatch>;
  stream(metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_RaftAck__Output>): grpc.ClientWritableStream<_raftdb_v1_RaftBatch>;
  stream(options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_RaftAck__Output>): grpc.ClientWritableStream<_raftdb_v1_RaftBatch>;
  stream(callback: grpc.requestCallback<_raftdb_v1_RaftAck__Output>): grpc.ClientWritableStream<_raftdb_v1_RaftBatch>;
  
}

export interface RaftHandlers extends grpc.UntypedServiceImplementation {
  Forward: grpc.handleBidiStreamingCall<_raftdb_v1_ForwardBatch__Output, _raftdb_v1_ForwardReplies>;
  
  InstallSnapshot: grpc.handleClientStreamingCall<_raftdb_v1_SnapshotChunk__Output, _raftdb_v1_SnapshotAck>;
  
  Send: grpc.handleUnaryCall<_raftdb_v1_RaftBatch__Output, _raftdb_v1_RaftAck>;
  
  Stream: grpc.handleClientStreamingCall<_raftdb_v1_RaftBatch__Output, _raftdb_v1_RaftAck>;
  
}

export interface RaftDefinition extends grpc.ServiceDefinition {
  Forward: MethodDefinition<_raftdb_v1_ForwardBatch, _raftdb_v1_ForwardReplies, _raftdb_v1_ForwardBatch__Output, _raftdb_v1_ForwardReplies__Output>
  InstallSnapshot: MethodDefinition<_raftdb_v1_SnapshotChunk, _raftdb_v1_SnapshotAck, _raftdb_v1_SnapshotChunk__Output, _raftdb_v1_SnapshotAck__Output>
  Send: MethodDefinition<_raftdb_v1_RaftBatch, _raftdb_v1_RaftAck, _raftdb_v1_RaftBatch__Output, _raftdb_v1_RaftAck__Output>
  Stream: MethodDefinition<_raftdb_v1_RaftBatch, _raftdb_v1_RaftAck, _raftdb_v1_RaftBatch__Output, _raftdb_v1_RaftAck__Output>
}
