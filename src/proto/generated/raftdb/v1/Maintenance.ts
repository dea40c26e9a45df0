// Original file: proto/raftdb/v1/maintenance.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { BackupChunk as _raftdb_v1_BackupChunk, BackupChunk__Output as _raftdb_v1_BackupChunk__Output } from '../../raftdb/v1/BackupChunk.js';
import type { BackupRequest as _raftdb_v1_BackupRequest, BackupRequest__Output as _raftdb_v1_BackupRequest__Output } from '../../raftdb/v1/BackupRequest.js';
import type { HashKVRequest as _raftdb_v1_HashKVRequest, HashKVRequest__Output as _raftdb_v1_HashKVRequest__Output } from '../../raftdb/v1/HashKVRequest.js';
import type { HashKVResponse as _raftdb_v1_HashKVResponse, HashKVResponse__Output as _raftdb_v1_HashKVResponse__Output } from '../../raftdb/v1/HashKVResponse.js';

export interface MaintenanceClient extends grpc.Client {
  Backup(argument: _raftdb_v1_BackupRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_raftdb_v1_BackupChunk__Output>;
  Backup(argument: _raftdb_v1_BackupRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_raftdb_v1_BackupChunk__Output>;
  backup(argument: _raftdb_v1_BackupRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_raftdb_v1_BackupChunk__Output>;
  backup(argument: _raftdb_v1_BackupRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_raftdb_v1_BackupChunk__Output>;
  
  HashKV(argument: _raftdb_v1_HashKVRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_HashKVResponse__Output>): grpc.ClientUnaryCall;
  HashKV(argument: _raftdb_v1_HashKVRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_HashKVResponse__Output>): grpc.ClientUnaryCall;
  HashKV(argument: _raftdb_v1_HashKVRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_HashKVResponse__Output>): grpc.ClientUnaryCall;
  HashKV(argument: _raftdb_v1_HashKVRequest, callback: grpc.requestCallback<_raftdb_v1_HashKVResponse__Output>): grpc.ClientUnaryCall;
  hashKv(argument: _raftdb_v1_HashKVRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_HashKVResponse__Output>): grpc.ClientUnaryCall;
  hashKv(argument: _raftdb_v1_HashKVRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_HashKVResponse__Output>): grpc.ClientUnaryCall;
  hashKv(argument: _raftdb_v1_HashKVRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_HashKVResponse__Output>): grpc.ClientUnaryCall;
  hashKv(argument: _raftdb_v1_HashKVRequest, callback: grpc.requestCallback<_raftdb_v1_HashKVResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface MaintenanceHandlers extends grpc.UntypedServiceImplementation {
  Backup: grpc.handleServerStreamingCall<_raftdb_v1_BackupRequest__Output, _raftdb_v1_BackupChunk>;
  
  HashKV: grpc.handleUnaryCall<_raftdb_v1_HashKVRequest__Output, _raftdb_v1_HashKVResponse>;
  
}

export interface MaintenanceDefinition extends grpc.ServiceDefinition {
  Backup: MethodDefinition<_raftdb_v1_BackupRequest, _raftdb_v1_BackupChunk, _raftdb_v1_BackupRequest__Output, _raftdb_v1_BackupChunk__Output>
  HashKV: MethodDefinition<_raftdb_v1_HashKVRequest, _raftdb_v1_HashKVResponse, _raftdb_v1_HashKVRequest__Output, _raftdb_v1_HashKVResponse__Output>
}
