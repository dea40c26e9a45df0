import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { Compare as _raftdb_v1_Compare, Compare__Output as _raftdb_v1_Compare__Output } from './raftdb/v1/Compare.js';
import type { DeleteRequest as _raftdb_v1_DeleteRequest, DeleteRequest__Output as _raftdb_v1_DeleteRequest__Output } from './raftdb/v1/DeleteRequest.js';
import type { DeleteResponse as _raftdb_v1_DeleteResponse, DeleteResponse__Output as _raftdb_v1_DeleteResponse__Output } from './raftdb/v1/DeleteResponse.js';
import type { GetRequest as _raftdb_v1_GetRequest, GetRequest__Output as _raftdb_v1_GetRequest__Output } from './raftdb/v1/GetRequest.js';
import type { GetResponse as _raftdb_v1_GetResponse, GetResponse__Output as _raftdb_v1_GetResponse__Output } from './raftdb/v1/GetResponse.js';
import type { KVClient as _raftdb_v1_KVClient, KVDefinition as _raftdb_v1_KVDefinition } from './raftdb/v1/KV.js';
import type { KeyValue as _raftdb_v1_KeyValue, KeyValue__Output as _raftdb_v1_KeyValue__Output } from './raftdb/v1/KeyValue.js';
import type { OpStatus as _raftdb_v1_OpStatus, OpStatus__Output as _raftdb_v1_OpStatus__Output } from './raftdb/v1/OpStatus.js';
import type { PipelineOp as _raftdb_v1_PipelineOp, PipelineOp__Output as _raftdb_v1_PipelineOp__Output } from './raftdb/v1/PipelineOp.js';
import type { PipelineRequest as _raftdb_v1_PipelineRequest, PipelineRequest__Output as _raftdb_v1_PipelineRequest__Output } from './raftdb/v1/PipelineRequest.js';
import type { PipelineResponse as _raftdb_v1_PipelineResponse, PipelineResponse__Output as _raftdb_v1_PipelineResponse__Output } from './raftdb/v1/PipelineResponse.js';
import type { PipelineResult as _raftdb_v1_PipelineResult, PipelineResult__Output as _raftdb_v1_PipelineResult__Output } from './raftdb/v1/PipelineResult.js';
import type { PutRequest as _raftdb_v1_PutRequest, PutRequest__Output as _raftdb_v1_PutRequest__Output } from './raftdb/v1/PutRequest.js';
import type { PutResponse as _raftdb_v1_PutResponse, PutResponse__Output as _raftdb_v1_PutResponse__Output } from './raftdb/v1/PutResponse.js';
import type { RangeRequest as _raftdb_v1_RangeRequest, RangeRequest__Output as _raftdb_v1_RangeRequest__Output } from './raftdb/v1/RangeRequest.js';
import type { RangeResponse as _raftdb_v1_RangeResponse, RangeResponse__Output as _raftdb_v1_RangeResponse__Output } from './raftdb/v1/RangeResponse.js';
import type { RequestId as _raftdb_v1_RequestId, RequestId__Output as _raftdb_v1_RequestId__Output } from './raftdb/v1/RequestId.js';
import type { RequestOp as _raftdb_v1_RequestOp, RequestOp__Output as _raftdb_v1_RequestOp__Output } from './raftdb/v1/RequestOp.js';
import type { ResponseHeader as _raftdb_v1_ResponseHeader, ResponseHeader__Output as _raftdb_v1_ResponseHeader__Output } from './raftdb/v1/ResponseHeader.js';
import type { ResponseOp as _raftdb_v1_ResponseOp, ResponseOp__Output as _raftdb_v1_ResponseOp__Output } from './raftdb/v1/ResponseOp.js';
import type { TxnRequest as _raftdb_v1_TxnRequest, TxnRequest__Output as _raftdb_v1_TxnRequest__Output } from './raftdb/v1/TxnRequest.js';
import type { TxnResponse as _raftdb_v1_TxnResponse, TxnResponse__Output as _raftdb_v1_TxnResponse__Output } from './raftdb/v1/TxnResponse.js';
import type { WatchEvent as _raftdb_v1_WatchEvent, WatchEvent__Output as _raftdb_v1_WatchEvent__Output } from './raftdb/v1/WatchEvent.js';
import type { WatchRequest as _raftdb_v1_WatchRequest, WatchRequest__Output as _raftdb_v1_WatchRequest__Output } from './raftdb/v1/WatchRequest.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  raftdb: {
    v1: {
      CommitMode: EnumTypeDefinition
      Compare: MessageTypeDefinition<_raftdb_v1_Compare, _raftdb_v1_Compare__Output>
      Consistency: EnumTypeDefinition
      DeleteRequest: MessageTypeDefinition<_raftdb_v1_DeleteRequest, _raftdb_v1_DeleteRequest__Output>
      DeleteResponse: MessageTypeDefinition<_raftdb_v1_DeleteResponse, _raftdb_v1_DeleteResponse__Output>
      GetRequest: MessageTypeDefinition<_raftdb_v1_GetRequest, _raftdb_v1_GetRequest__Output>
      GetResponse: MessageTypeDefinition<_raftdb_v1_GetResponse, _raftdb_v1_GetResponse__Output>
      KV: SubtypeConstructor<typeof grpc.Client, _raftdb_v1_KVClient> & { service: _raftdb_v1_KVDefinition }
      KeyValue: MessageTypeDefinition<_raftdb_v1_KeyValue, _raftdb_v1_KeyValue__Output>
      OpStatus: MessageTypeDefinition<_raftdb_v1_OpStatus, _raftdb_v1_OpStatus__Output>
      PipelineOp: MessageTypeDefinition<_raftdb_v1_PipelineOp, _raftdb_v1_PipelineOp__Output>
      PipelineRequest: MessageTypeDefinition<_raftdb_v1_PipelineRequest, _raftdb_v1_PipelineRequest__Output>
      PipelineResponse: MessageTypeDefinition<_raftdb_v1_PipelineResponse, _raftdb_v1_PipelineResponse__Output>
      PipelineResult: MessageTypeDefinition<_raftdb_v1_PipelineResult, _raftdb_v1_PipelineResult__Output>
      PutRequest: MessageTypeDefinition<_raftdb_v1_PutRequest, _raftdb_v1_PutRequest__Output>
      PutResponse: MessageTypeDefinition<_raftdb_v1_PutResponse, _raftdb_v1_PutResponse__Output>
      RangeRequest: MessageTypeDefinition<_raftdb_v1_RangeRequest, _raftdb_v1_RangeRequest__Output>
      RangeResponse: MessageTypeDefinition<_raftdb_v1_RangeResponse, _raftdb_v1_RangeResponse__Output>
      RequestId: MessageTypeDefinition<_raftdb_v1_RequestId, _raftdb_v1_RequestId__Output>
      RequestOp: MessageTypeDefinition<_raftdb_v1_RequestOp, _raftdb_v1_RequestOp__Output>
      ResponseHeader: MessageTypeDefinition<_raftdb_v1_ResponseHeader, _raftdb_v1_ResponseHeader__Output>
      ResponseOp: MessageTypeDefinition<_raftdb_v1_ResponseOp, _raftdb_v1_ResponseOp__Output>
      TxnRequest: MessageTypeDefinition<_raftdb_v1_TxnRequest, _raftdb_v1_TxnRequest__Output>
      TxnResponse: MessageTypeDefinition<_raftdb_v1_TxnResponse, _raftdb_v1_TxnResponse__Output>
      WatchEvent: MessageTypeDefinition<_raftdb_v1_WatchEvent, _raftdb_v1_WatchEvent__Output>
      WatchRequest: MessageTypeDefinition<_raftdb_v1_WatchRequest, _raftdb_v1_WatchRequest__Output>
    }
  }
}

