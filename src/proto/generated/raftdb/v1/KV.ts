// Original file: proto/raftdb/v1/kv.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { DeleteRequest as _raftdb_v1_DeleteRequest, DeleteRequest__Output as _raftdb_v1_DeleteRequest__Output } from '../../raftdb/v1/DeleteRequest.js';
import type { DeleteResponse as _raftdb_v1_DeleteResponse, DeleteResponse__Output as _raftdb_v1_DeleteResponse__Output } from '../../raftdb/v1/DeleteResponse.js';
import type { GetRequest as _raftdb_v1_GetRequest, GetRequest__Output as _raftdb_v1_GetRequest__Output } from '../../raftdb/v1/GetRequest.js';
import type { GetResponse as _raftdb_v1_GetResponse, GetResponse__Output as _raftdb_v1_GetResponse__Output } from '../../raftdb/v1/GetResponse.js';
import type { PipelineRequest as _raftdb_v1_PipelineRequest, PipelineRequest__Output as _raftdb_v1_PipelineRequest__Output } from '../../raftdb/v1/PipelineRequest.js';
import type { PipelineResponse as _raftdb_v1_PipelineResponse, PipelineResponse__Output as _raftdb_v1_PipelineResponse__Output } from '../../raftdb/v1/PipelineResponse.js';
import type { PutRequest as _raftdb_v1_PutRequest, PutRequest__Output as _raftdb_v1_PutRequest__Output } from '../../raftdb/v1/PutRequest.js';
import type { PutResponse as _raftdb_v1_PutResponse, PutResponse__Output as _raftdb_v1_PutResponse__Output } from '../../raftdb/v1/PutResponse.js';
import type { RangeRequest as _raftdb_v1_RangeRequest, RangeRequest__Output as _raftdb_v1_RangeRequest__Output } from '../../raftdb/v1/RangeRequest.js';
import type { RangeResponse as _raftdb_v1_RangeResponse, RangeResponse__Output as _raftdb_v1_RangeResponse__Output } from '../../raftdb/v1/RangeResponse.js';
import type { TxnRequest as _raftdb_v1_TxnRequest, TxnRequest__Output as _raftdb_v1_TxnRequest__Output } from '../../raftdb/v1/TxnRequest.js';
import type { TxnResponse as _raftdb_v1_TxnResponse, TxnResponse__Output as _raftdb_v1_TxnResponse__Output } from '../../raftdb/v1/TxnResponse.js';
import type { WatchEvent as _raftdb_v1_WatchEvent, WatchEvent__Output as _raftdb_v1_WatchEvent__Output } from '../../raftdb/v1/WatchEvent.js';
import type { WatchRequest as _raftdb_v1_WatchRequest, WatchRequest__Output as _raftdb_v1_WatchRequest__Output } from '../../raftdb/v1/WatchRequest.js';

export interface KVClient extends grpc.Client {
  Delete(argument: _raftdb_v1_DeleteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  Delete(argument: _raftdb_v1_DeleteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  Delete(argument: _raftdb_v1_DeleteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  Delete(argument: _raftdb_v1_DeleteRequest, callback: grpc.requestCallback<_raftdb_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _raftdb_v1_DeleteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _raftdb_v1_DeleteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _raftdb_v1_DeleteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _raftdb_v1_DeleteRequest, callback: grpc.requestCallback<_raftdb_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  
  Get(argument: _raftdb_v1_GetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  Get(argument: _raftdb_v1_GetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  Get(argument: _raftdb_v1_GetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  Get(argument: _raftdb_v1_GetRequest, callback: grpc.requestCallback<_raftdb_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  get(argument: _raftdb_v1_GetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  get(argument: _raftdb_v1_GetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  get(argument: _raftdb_v1_GetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  get(argument: _raftdb_v1_GetRequest, callback: grpc.requestCallback<_raftdb_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  
  Pipeline(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_raftdb_v1_PipelineRequest, _raftdb_v1_PipelineResponse__Output>;
  Pipeline(options?: grpc.CallOptions): grpc.ClientDuplexStream<_raftdb_v1_PipelineRequest, _raftdb_v1_PipelineResponse__Output>;
  pipeline(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_raftdb_v1_PipelineRequest, _raftdb_v1_PipelineResponse__Output>;
  pipeline(options?: grpc.CallOptions): grpc.ClientDuplexStream<_raftdb_v1_PipelineRequest, _raftdb_v1_PipelineResponse__Output>;
  
  Put(argument: _raftdb_v1_PutRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_PutResponse__Output>): grpc.ClientUnaryCall;
  Put(argument: _raftdb_v1_PutRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_PutResponse__Output>): grpc.ClientUnaryCall;
  Put(argument: _raftdb_v1_PutRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_PutResponse__Output>): grpc.ClientUnaryCall;
  Put(argument: _raftdb_v1_PutRequest, callback: grpc.requestCallback<_raftdb_v1_PutResponse__Output>): grpc.ClientUnaryCall;
  put(argument: _raftdb_v1_PutRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_PutResponse__Output>): grpc.ClientUnaryCall;
  put(argument: _raftdb_v1_PutRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_PutResponse__Output>): grpc.ClientUnaryCall;
  put(argument: _raftdb_v1_PutRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_PutResponse__Output>): grpc.ClientUnaryCall;
  put(argument: _raftdb_v1_PutRequest, callback: grpc.requestCallback<_raftdb_v1_PutResponse__Output>): grpc.ClientUnaryCall;
  
  Range(argument: _raftdb_v1_RangeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_RangeResponse__Output>): grpc.ClientUnaryCall;
  Range(argument: _raftdb_v1_RangeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_RangeResponse__Output>): grpc.ClientUnaryCall;
  Range(argument: _raftdb_v1_RangeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_RangeResponse__Output>): grpc.ClientUnaryCall;
  Range(argument: _raftdb_v1_RangeRequest, callback: grpc.requestCallback<_raftdb_v1_RangeResponse__Output>): grpc.ClientUnaryCall;
  range(argument: _raftdb_v1_RangeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_RangeResponse__Output>): grpc.ClientUnaryCall;
  range(argument: _raftdb_v1_RangeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_RangeResponse__Output>): grpc.ClientUnaryCall;
  range(argument: _raftdb_v1_RangeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_RangeResponse__Output>): grpc.ClientUnaryCall;
  range(argument: _raftdb_v1_RangeRequest, callback: grpc.requestCallback<_raftdb_v1_RangeResponse__Output>): grpc.ClientUnaryCall;
  
  Txn(argument: _raftdb_v1_TxnRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_TxnResponse__Output>): grpc.ClientUnaryCall;
  Txn(argument: _raftdb_v1_TxnRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_TxnResponse__Output>): grpc.ClientUnaryCall;
  Txn(argument: _raftdb_v1_TxnRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_TxnResponse__Output>): grpc.ClientUnaryCall;
  Txn(argument: _raftdb_v1_TxnRequest, callback: grpc.requestCallback<_raftdb_v1_TxnResponse__Output>): grpc.ClientUnaryCall;
  txn(argument: _raftdb_v1_TxnRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_TxnResponse__Output>): grpc.ClientUnaryCall;
  txn(argument: _raftdb_v1_TxnRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_TxnResponse__Output>): grpc.ClientUnaryCall;
  txn(argument: _raftdb_v1_TxnRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_TxnResponse__Output>): grpc.ClientUnaryCall;
  txn(argument: _raftdb_v1_TxnRequest, callback: grpc.requestCallback<_raftdb_v1_TxnResponse__Output>): grpc.ClientUnaryCall;
  
  Watch(argument: _raftdb_v1_WatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_raftdb_v1_WatchEvent__Output>;
  Watch(argument: _raftdb_v1_WatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_raftdb_v1_WatchEvent__Output>;
  watch(argument: _raftdb_v1_WatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_raftdb_v1_WatchEvent__Output>;
  watch(argument: _raftdb_v1_WatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_raftdb_v1_WatchEvent__Output>;
  
}

export interface KVHandlers extends grpc.UntypedServiceImplementation {
  Delete: grpc.handleUnaryCall<_raftdb_v1_DeleteRequest__Output, _raftdb_v1_DeleteResponse>;
  
  Get: grpc.handleUnaryCall<_raftdb_v1_GetRequest__Output, _raftdb_v1_GetResponse>;
  
  Pipeline: grpc.handleBidiStreamingCall<_raftdb_v1_PipelineRequest__Output, _raftdb_v1_PipelineResponse>;
  
  Put: grpc.handleUnaryCall<_raftdb_v1_PutRequest__Output, _raftdb_v1_PutResponse>;
  
  Range: grpc.handleUnaryCall<_raftdb_v1_RangeRequest__Output, _raftdb_v1_RangeResponse>;
  
  Txn: grpc.handleUnaryCall<_raftdb_v1_TxnRequest__Output, _raftdb_v1_TxnResponse>;
  
  Watch: grpc.handleServerStreamingCall<_raftdb_v1_WatchRequest__Output, _raftdb_v1_WatchEvent>;
  
}

export interface KVDefinition extends grpc.ServiceDefinition {
  Delete: MethodDefinition<_raftdb_v1_DeleteRequest, _raftdb_v1_DeleteResponse, _raftdb_v1_DeleteRequest__Output, _raftdb_v1_DeleteResponse__Output>
  Get: MethodDefinition<_raftdb_v1_GetRequest, _raftdb_v1_GetResponse, _raftdb_v1_GetRequest__Output, _raftdb_v1_GetResponse__Output>
  Pipeline: MethodDefinition<_raftdb_v1_PipelineRequest, _raftdb_v1_PipelineResponse, _raftdb_v1_PipelineRequest__Output, _raftdb_v1_PipelineResponse__Output>
  Put: MethodDefinition<_raftdb_v1_PutRequest, _raftdb_v1_PutResponse, _raftdb_v1_PutRequest__Output, _raftdb_v1_PutResponse__Output>
  Range: MethodDefinition<_raftdb_v1_RangeRequest, _raftdb_v1_RangeResponse, _raftdb_v1_RangeRequest__Output, _raftdb_v1_RangeResponse__Output>
  Txn: MethodDefinition<_raftdb_v1_TxnRequest, _raftdb_v1_TxnResponse, _raftdb_v1_TxnRequest__Output, _raftdb_v1_TxnResponse__Output>
  Watch: MethodDefinition<_raftdb_v1_WatchRequest, _raftdb_v1_WatchEvent, _raftdb_v1_WatchRequest__Output, _raftdb_v1_WatchEvent__Output>
}
