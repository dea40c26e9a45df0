import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AuthClient as _raftdb_v1_AuthClient, AuthDefinition as _raftdb_v1_AuthDefinition } from './raftdb/v1/Auth.js';
import type { AuthChangeResponse as _raftdb_v1_AuthChangeResponse, AuthChangeResponse__Output as _raftdb_v1_AuthChangeResponse__Output } from './raftdb/v1/AuthChangeResponse.js';
import type { AuthDisableRequest as _raftdb_v1_AuthDisableRequest, AuthDisableRequest__Output as _raftdb_v1_AuthDisableRequest__Output } from './raftdb/v1/AuthDisableRequest.js';
import type { AuthEnableRequest as _raftdb_v1_AuthEnableRequest, AuthEnableRequest__Output as _raftdb_v1_AuthEnableRequest__Output } from './raftdb/v1/AuthEnableRequest.js';
import type { AuthRotateKeyRequest as _raftdb_v1_AuthRotateKeyRequest, AuthRotateKeyRequest__Output as _raftdb_v1_AuthRotateKeyRequest__Output } from './raftdb/v1/AuthRotateKeyRequest.js';
import type { AuthStatusRequest as _raftdb_v1_AuthStatusRequest, AuthStatusRequest__Output as _raftdb_v1_AuthStatusRequest__Output } from './raftdb/v1/AuthStatusRequest.js';
import type { AuthStatusResponse as _raftdb_v1_AuthStatusResponse, AuthStatusResponse__Output as _raftdb_v1_AuthStatusResponse__Output } from './raftdb/v1/AuthStatusResponse.js';
import type { AuthenticateRequest as _raftdb_v1_AuthenticateRequest, AuthenticateRequest__Output as _raftdb_v1_AuthenticateRequest__Output } from './raftdb/v1/AuthenticateRequest.js';
import type { AuthenticateResponse as _raftdb_v1_AuthenticateResponse, AuthenticateResponse__Output as _raftdb_v1_AuthenticateResponse__Output } from './raftdb/v1/AuthenticateResponse.js';
import type { Compare as _raftdb_v1_Compare, Compare__Output as _raftdb_v1_Compare__Output } from './raftdb/v1/Compare.js';
import type { DeleteRequest as _raftdb_v1_DeleteRequest, DeleteRequest__Output as _raftdb_v1_DeleteRequest__Output } from './raftdb/v1/DeleteRequest.js';
import type { DeleteResponse as _raftdb_v1_DeleteResponse, DeleteResponse__Output as _raftdb_v1_DeleteResponse__Output } from './raftdb/v1/DeleteResponse.js';
import type { GetRequest as _raftdb_v1_GetRequest, GetRequest__Output as _raftdb_v1_GetRequest__Output } from './raftdb/v1/GetRequest.js';
import type { GetResponse as _raftdb_v1_GetResponse, GetResponse__Output as _raftdb_v1_GetResponse__Output } from './raftdb/v1/GetResponse.js';
import type { KVClient as _raftdb_v1_KVClient, KVDefinition as _raftdb_v1_KVDefinition } from './raftdb/v1/KV.js';
import type { KeyValue as _raftdb_v1_KeyValue, KeyValue__Output as _raftdb_v1_KeyValue__Output } from './raftdb/v1/KeyValue.js';
import type { OpStatus as _raftdb_v1_OpStatus, OpStatus__Output as _raftdb_v1_OpStatus__Output } from './raftdb/v1/OpStatus.js';
import type { Permission as _raftdb_v1_Permission, Permission__Output as _raftdb_v1_Permission__Output } from './raftdb/v1/Permission.js';
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
import type { RoleGetResponse as _raftdb_v1_RoleGetResponse, RoleGetResponse__Output as _raftdb_v1_RoleGetResponse__Output } from './raftdb/v1/RoleGetResponse.js';
import type { RoleGrantPermissionRequest as _raftdb_v1_RoleGrantPermissionRequest, RoleGrantPermissionRequest__Output as _raftdb_v1_RoleGrantPermissionRequest__Output } from './raftdb/v1/RoleGrantPermissionRequest.js';
import type { RoleListRequest as _raftdb_v1_RoleListRequest, RoleListRequest__Output as _raftdb_v1_RoleListRequest__Output } from './raftdb/v1/RoleListRequest.js';
import type { RoleListResponse as _raftdb_v1_RoleListResponse, RoleListResponse__Output as _raftdb_v1_RoleListResponse__Output } from './raftdb/v1/RoleListResponse.js';
import type { RoleNameRequest as _raftdb_v1_RoleNameRequest, RoleNameRequest__Output as _raftdb_v1_RoleNameRequest__Output } from './raftdb/v1/RoleNameRequest.js';
import type { RoleRevokePermissionRequest as _raftdb_v1_RoleRevokePermissionRequest, RoleRevokePermissionRequest__Output as _raftdb_v1_RoleRevokePermissionRequest__Output } from './raftdb/v1/RoleRevokePermissionRequest.js';
import type { TxnRequest as _raftdb_v1_TxnRequest, TxnRequest__Output as _raftdb_v1_TxnRequest__Output } from './raftdb/v1/TxnRequest.js';
import type { TxnResponse as _raftdb_v1_TxnResponse, TxnResponse__Output as _raftdb_v1_TxnResponse__Output } from './raftdb/v1/TxnResponse.js';
import type { UserAddRequest as _raftdb_v1_UserAddRequest, UserAddRequest__Output as _raftdb_v1_UserAddRequest__Output } from './raftdb/v1/UserAddRequest.js';
import type { UserChangePasswordRequest as _raftdb_v1_UserChangePasswordRequest, UserChangePasswordRequest__Output as _raftdb_v1_UserChangePasswordRequest__Output } from './raftdb/v1/UserChangePasswordRequest.js';
import type { UserGetResponse as _raftdb_v1_UserGetResponse, UserGetResponse__Output as _raftdb_v1_UserGetResponse__Output } from './raftdb/v1/UserGetResponse.js';
import type { UserListRequest as _raftdb_v1_UserListRequest, UserListRequest__Output as _raftdb_v1_UserListRequest__Output } from './raftdb/v1/UserListRequest.js';
import type { UserListResponse as _raftdb_v1_UserListResponse, UserListResponse__Output as _raftdb_v1_UserListResponse__Output } from './raftdb/v1/UserListResponse.js';
import type { UserNameRequest as _raftdb_v1_UserNameRequest, UserNameRequest__Output as _raftdb_v1_UserNameRequest__Output } from './raftdb/v1/UserNameRequest.js';
import type { UserRoleRequest as _raftdb_v1_UserRoleRequest, UserRoleRequest__Output as _raftdb_v1_UserRoleRequest__Output } from './raftdb/v1/UserRoleRequest.js';
import type { WatchEvent as _raftdb_v1_WatchEvent, WatchEvent__Output as _raftdb_v1_WatchEvent__Output } from './raftdb/v1/WatchEvent.js';
import type { WatchRequest as _raftdb_v1_WatchRequest, WatchRequest__Output as _raftdb_v1_WatchRequest__Output } from './raftdb/v1/WatchRequest.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  raftdb: {
    v1: {
      Auth: SubtypeConstructor<typeof grpc.Client, _raftdb_v1_AuthClient> & { service: _raftdb_v1_AuthDefinition }
      AuthChangeResponse: MessageTypeDefinition<_raftdb_v1_AuthChangeResponse, _raftdb_v1_AuthChangeResponse__Output>
      AuthDisableRequest: MessageTypeDefinition<_raftdb_v1_AuthDisableRequest, _raftdb_v1_AuthDisableRequest__Output>
      AuthEnableRequest: MessageTypeDefinition<_raftdb_v1_AuthEnableRequest, _raftdb_v1_AuthEnableRequest__Output>
      AuthRotateKeyRequest: MessageTypeDefinition<_raftdb_v1_AuthRotateKeyRequest, _raftdb_v1_AuthRotateKeyRequest__Output>
      AuthStatusRequest: MessageTypeDefinition<_raftdb_v1_AuthStatusRequest, _raftdb_v1_AuthStatusRequest__Output>
      AuthStatusResponse: MessageTypeDefinition<_raftdb_v1_AuthStatusResponse, _raftdb_v1_AuthStatusResponse__Output>
      AuthenticateRequest: MessageTypeDefinition<_raftdb_v1_AuthenticateRequest, _raftdb_v1_AuthenticateRequest__Output>
      AuthenticateResponse: MessageTypeDefinition<_raftdb_v1_AuthenticateResponse, _raftdb_v1_AuthenticateResponse__Output>
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
      Permission: MessageTypeDefinition<_raftdb_v1_Permission, _raftdb_v1_Permission__Output>
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
      RoleGetResponse: MessageTypeDefinition<_raftdb_v1_RoleGetResponse, _raftdb_v1_RoleGetResponse__Output>
      RoleGrantPermissionRequest: MessageTypeDefinition<_raftdb_v1_RoleGrantPermissionRequest, _raftdb_v1_RoleGrantPermissionRequest__Output>
      RoleListRequest: MessageTypeDefinition<_raftdb_v1_RoleListRequest, _raftdb_v1_RoleListRequest__Output>
      RoleListResponse: MessageTypeDefinition<_raftdb_v1_RoleListResponse, _raftdb_v1_RoleListResponse__Output>
      RoleNameRequest: MessageTypeDefinition<_raftdb_v1_RoleNameRequest, _raftdb_v1_RoleNameRequest__Output>
      RoleRevokePermissionRequest: MessageTypeDefinition<_raftdb_v1_RoleRevokePermissionRequest, _raftdb_v1_RoleRevokePermissionRequest__Output>
      TxnRequest: MessageTypeDefinition<_raftdb_v1_TxnRequest, _raftdb_v1_TxnRequest__Output>
      TxnResponse: MessageTypeDefinition<_raftdb_v1_TxnResponse, _raftdb_v1_TxnResponse__Output>
      UserAddRequest: MessageTypeDefinition<_raftdb_v1_UserAddRequest, _raftdb_v1_UserAddRequest__Output>
      UserChangePasswordRequest: MessageTypeDefinition<_raftdb_v1_UserChangePasswordRequest, _raftdb_v1_UserChangePasswordRequest__Output>
      UserGetResponse: MessageTypeDefinition<_raftdb_v1_UserGetResponse, _raftdb_v1_UserGetResponse__Output>
      UserListRequest: MessageTypeDefinition<_raftdb_v1_UserListRequest, _raftdb_v1_UserListRequest__Output>
      UserListResponse: MessageTypeDefinition<_raftdb_v1_UserListResponse, _raftdb_v1_UserListResponse__Output>
      UserNameRequest: MessageTypeDefinition<_raftdb_v1_UserNameRequest, _raftdb_v1_UserNameRequest__Output>
      UserRoleRequest: MessageTypeDefinition<_raftdb_v1_UserRoleRequest, _raftdb_v1_UserRoleRequest__Output>
      WatchEvent: MessageTypeDefinition<_raftdb_v1_WatchEvent, _raftdb_v1_WatchEvent__Output>
      WatchRequest: MessageTypeDefinition<_raftdb_v1_WatchRequest, _raftdb_v1_WatchRequest__Output>
    }
  }
}

