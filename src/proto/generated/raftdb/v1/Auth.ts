// Original file: proto/raftdb/v1/auth.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AuthChangeResponse as _raftdb_v1_AuthChangeResponse, AuthChangeResponse__Output as _raftdb_v1_AuthChangeResponse__Output } from '../../raftdb/v1/AuthChangeResponse.js';
import type { AuthDisableRequest as _raftdb_v1_AuthDisableRequest, AuthDisableRequest__Output as _raftdb_v1_AuthDisableRequest__Output } from '../../raftdb/v1/AuthDisableRequest.js';
import type { AuthEnableRequest as _raftdb_v1_AuthEnableRequest, AuthEnableRequest__Output as _raftdb_v1_AuthEnableRequest__Output } from '../../raftdb/v1/AuthEnableRequest.js';
import type { AuthRotateKeyRequest as _raftdb_v1_AuthRotateKeyRequest, AuthRotateKeyRequest__Output as _raftdb_v1_AuthRotateKeyRequest__Output } from '../../raftdb/v1/AuthRotateKeyRequest.js';
import type { AuthStatusRequest as _raftdb_v1_AuthStatusRequest, AuthStatusRequest__Output as _raftdb_v1_AuthStatusRequest__Output } from '../../raftdb/v1/AuthStatusRequest.js';
import type { AuthStatusResponse as _raftdb_v1_AuthStatusResponse, AuthStatusResponse__Output as _raftdb_v1_AuthStatusResponse__Output } from '../../raftdb/v1/AuthStatusResponse.js';
import type { AuthenticateRequest as _raftdb_v1_AuthenticateRequest, AuthenticateRequest__Output as _raftdb_v1_AuthenticateRequest__Output } from '../../raftdb/v1/AuthenticateRequest.js';
import type { AuthenticateResponse as _raftdb_v1_AuthenticateResponse, AuthenticateResponse__Output as _raftdb_v1_AuthenticateResponse__Output } from '../../raftdb/v1/AuthenticateResponse.js';
import type { RoleGetResponse as _raftdb_v1_RoleGetResponse, RoleGetResponse__Output as _raftdb_v1_RoleGetResponse__Output } from '../../raftdb/v1/RoleGetResponse.js';
import type { RoleGrantPermissionRequest as _raftdb_v1_RoleGrantPermissionRequest, RoleGrantPermissionRequest__Output as _raftdb_v1_RoleGrantPermissionRequest__Output } from '../../raftdb/v1/RoleGrantPermissionRequest.js';
import type { RoleListRequest as _raftdb_v1_RoleListRequest, RoleListRequest__Output as _raftdb_v1_RoleListRequest__Output } from '../../raftdb/v1/RoleListRequest.js';
import type { RoleListResponse as _raftdb_v1_RoleListResponse, RoleListResponse__Output as _raftdb_v1_RoleListResponse__Output } from '../../raftdb/v1/RoleListResponse.js';
import type { RoleNameRequest as _raftdb_v1_RoleNameRequest, RoleNameRequest__Output as _raftdb_v1_RoleNameRequest__Output } from '../../raftdb/v1/RoleNameRequest.js';
import type { RoleRevokePermissionRequest as _raftdb_v1_RoleRevokePermissionRequest, RoleRevokePermissionRequest__Output as _raftdb_v1_RoleRevokePermissionRequest__Output } from '../../raftdb/v1/RoleRevokePermissionRequest.js';
import type { UserAddRequest as _raftdb_v1_UserAddRequest, UserAddRequest__Output as _raftdb_v1_UserAddRequest__Output } from '../../raftdb/v1/UserAddRequest.js';
import type { UserChangePasswordRequest as _raftdb_v1_UserChangePasswordRequest, UserChangePasswordRequest__Output as _raftdb_v1_UserChangePasswordRequest__Output } from '../../raftdb/v1/UserChangePasswordRequest.js';
import type { UserGetResponse as _raftdb_v1_UserGetResponse, UserGetResponse__Output as _raftdb_v1_UserGetResponse__Output } from '../../raftdb/v1/UserGetResponse.js';
import type { UserListRequest as _raftdb_v1_UserListRequest, UserListRequest__Output as _raftdb_v1_UserListRequest__Output } from '../../raftdb/v1/UserListRequest.js';
import type { UserListResponse as _raftdb_v1_UserListResponse, UserListResponse__Output as _raftdb_v1_UserListResponse__Output } from '../../raftdb/v1/UserListResponse.js';
import type { UserNameRequest as _raftdb_v1_UserNameRequest, UserNameRequest__Output as _raftdb_v1_UserNameRequest__Output } from '../../raftdb/v1/UserNameRequest.js';
import type { UserRoleRequest as _raftdb_v1_UserRoleRequest, UserRoleRequest__Output as _raftdb_v1_UserRoleRequest__Output } from '../../raftdb/v1/UserRoleRequest.js';

export interface AuthClient extends grpc.Client {
  AuthDisable(argument: _raftdb_v1_AuthDisableRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  AuthDisable(argument: _raftdb_v1_AuthDisableRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  AuthDisable(argument: _raftdb_v1_AuthDisableRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  AuthDisable(argument: _raftdb_v1_AuthDisableRequest, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  authDisable(argument: _raftdb_v1_AuthDisableRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  authDisable(argument: _raftdb_v1_AuthDisableRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  authDisable(argument: _raftdb_v1_AuthDisableRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  authDisable(argument: _raftdb_v1_AuthDisableRequest, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  
  AuthEnable(argument: _raftdb_v1_AuthEnableRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  AuthEnable(argument: _raftdb_v1_AuthEnableRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  AuthEnable(argument: _raftdb_v1_AuthEnableRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  AuthEnable(argument: _raftdb_v1_AuthEnableRequest, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  authEnable(argument: _raftdb_v1_AuthEnableRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  authEnable(argument: _raftdb_v1_AuthEnableRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  authEnable(argument: _raftdb_v1_AuthEnableRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  authEnable(argument: _raftdb_v1_AuthEnableRequest, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  
  AuthRotateKey(argument: _raftdb_v1_AuthRotateKeyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  AuthRotateKey(argument: _raftdb_v1_AuthRotateKeyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  AuthRotateKey(argument: _raftdb_v1_AuthRotateKeyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  AuthRotateKey(argument: _raftdb_v1_AuthRotateKeyRequest, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  authRotateKey(argument: _raftdb_v1_AuthRotateKeyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  authRotateKey(argument: _raftdb_v1_AuthRotateKeyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  authRotateKey(argument: _raftdb_v1_AuthRotateKeyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  authRotateKey(argument: _raftdb_v1_AuthRotateKeyRequest, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  
  AuthStatus(argument: _raftdb_v1_AuthStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthStatusResponse__Output>): grpc.ClientUnaryCall;
  AuthStatus(argument: _raftdb_v1_AuthStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_AuthStatusResponse__Output>): grpc.ClientUnaryCall;
  AuthStatus(argument: _raftdb_v1_AuthStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthStatusResponse__Output>): grpc.ClientUnaryCall;
  AuthStatus(argument: _raftdb_v1_AuthStatusRequest, callback: grpc.requestCallback<_raftdb_v1_AuthStatusResponse__Output>): grpc.ClientUnaryCall;
  authStatus(argument: _raftdb_v1_AuthStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthStatusResponse__Output>): grpc.ClientUnaryCall;
  authStatus(argument: _raftdb_v1_AuthStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_AuthStatusResponse__Output>): grpc.ClientUnaryCall;
  authStatus(argument: _raftdb_v1_AuthStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthStatusResponse__Output>): grpc.ClientUnaryCall;
  authStatus(argument: _raftdb_v1_AuthStatusRequest, callback: grpc.requestCallback<_raftdb_v1_AuthStatusResponse__Output>): grpc.ClientUnaryCall;
  
  Authenticate(argument: _raftdb_v1_AuthenticateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthenticateResponse__Output>): grpc.ClientUnaryCall;
  Authenticate(argument: _raftdb_v1_AuthenticateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_AuthenticateResponse__Output>): grpc.ClientUnaryCall;
  Authenticate(argument: _raftdb_v1_AuthenticateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthenticateResponse__Output>): grpc.ClientUnaryCall;
  Authenticate(argument: _raftdb_v1_AuthenticateRequest, callback: grpc.requestCallback<_raftdb_v1_AuthenticateResponse__Output>): grpc.ClientUnaryCall;
  authenticate(argument: _raftdb_v1_AuthenticateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthenticateResponse__Output>): grpc.ClientUnaryCall;
  authenticate(argument: _raftdb_v1_AuthenticateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_AuthenticateResponse__Output>): grpc.ClientUnaryCall;
  authenticate(argument: _raftdb_v1_AuthenticateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthenticateResponse__Output>): grpc.ClientUnaryCall;
  authenticate(argument: _raftdb_v1_AuthenticateRequest, callback: grpc.requestCallback<_raftdb_v1_AuthenticateResponse__Output>): grpc.ClientUnaryCall;
  
  RoleAdd(argument: _raftdb_v1_RoleNameRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  RoleAdd(argument: _raftdb_v1_RoleNameRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  RoleAdd(argument: _raftdb_v1_RoleNameRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  RoleAdd(argument: _raftdb_v1_RoleNameRequest, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  roleAdd(argument: _raftdb_v1_RoleNameRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  roleAdd(argument: _raftdb_v1_RoleNameRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  roleAdd(argument: _raftdb_v1_RoleNameRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  roleAdd(argument: _raftdb_v1_RoleNameRequest, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  
  RoleDelete(argument: _raftdb_v1_RoleNameRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  RoleDelete(argument: _raftdb_v1_RoleNameRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  RoleDelete(argument: _raftdb_v1_RoleNameRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  RoleDelete(argument: _raftdb_v1_RoleNameRequest, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  roleDelete(argument: _raftdb_v1_RoleNameRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  roleDelete(argument: _raftdb_v1_RoleNameRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  roleDelete(argument: _raftdb_v1_RoleNameRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  roleDelete(argument: _raftdb_v1_RoleNameRequest, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  
  RoleGet(argument: _raftdb_v1_RoleNameRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_RoleGetResponse__Output>): grpc.ClientUnaryCall;
  RoleGet(argument: _raftdb_v1_RoleNameRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_RoleGetResponse__Output>): grpc.ClientUnaryCall;
  RoleGet(argument: _raftdb_v1_RoleNameRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_RoleGetResponse__Output>): grpc.ClientUnaryCall;
  RoleGet(argument: _raftdb_v1_RoleNameRequest, callback: grpc.requestCallback<_raftdb_v1_RoleGetResponse__Output>): grpc.ClientUnaryCall;
  roleGet(argument: _raftdb_v1_RoleNameRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_RoleGetResponse__Output>): grpc.ClientUnaryCall;
  roleGet(argument: _raftdb_v1_RoleNameRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_RoleGetResponse__Output>): grpc.ClientUnaryCall;
  roleGet(argument: _raftdb_v1_RoleNameRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_RoleGetResponse__Output>): grpc.ClientUnaryCall;
  roleGet(argument: _raftdb_v1_RoleNameRequest, callback: grpc.requestCallback<_raftdb_v1_RoleGetResponse__Output>): grpc.ClientUnaryCall;
  
  RoleGrantPermission(argument: _raftdb_v1_RoleGrantPermissionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  RoleGrantPermission(argument: _raftdb_v1_RoleGrantPermissionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  RoleGrantPermission(argument: _raftdb_v1_RoleGrantPermissionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  RoleGrantPermission(argument: _raftdb_v1_RoleGrantPermissionRequest, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  roleGrantPermission(argument: _raftdb_v1_RoleGrantPermissionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  roleGrantPermission(argument: _raftdb_v1_RoleGrantPermissionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  roleGrantPermission(argument: _raftdb_v1_RoleGrantPermissionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  roleGrantPermission(argument: _raftdb_v1_RoleGrantPermissionRequest, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  
  RoleList(argument: _raftdb_v1_RoleListRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_RoleListResponse__Output>): grpc.ClientUnaryCall;
  RoleList(argument: _raftdb_v1_RoleListRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_RoleListResponse__Output>): grpc.ClientUnaryCall;
  RoleList(argument: _raftdb_v1_RoleListRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_RoleListResponse__Output>): grpc.ClientUnaryCall;
  RoleList(argument: _raftdb_v1_RoleListRequest, callback: grpc.requestCallback<_raftdb_v1_RoleListResponse__Output>): grpc.ClientUnaryCall;
  roleList(argument: _raftdb_v1_RoleListRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_RoleListResponse__Output>): grpc.ClientUnaryCall;
  roleList(argument: _raftdb_v1_RoleListRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_RoleListResponse__Output>): grpc.ClientUnaryCall;
  roleList(argument: _raftdb_v1_RoleListRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_RoleListResponse__Output>): grpc.ClientUnaryCall;
  roleList(argument: _raftdb_v1_RoleListRequest, callback: grpc.requestCallback<_raftdb_v1_RoleListResponse__Output>): grpc.ClientUnaryCall;
  
  RoleRevokePermission(argument: _raftdb_v1_RoleRevokePermissionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  RoleRevokePermission(argument: _raftdb_v1_RoleRevokePermissionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  RoleRevokePermission(argument: _raftdb_v1_RoleRevokePermissionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  RoleRevokePermission(argument: _raftdb_v1_RoleRevokePermissionRequest, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  roleRevokePermission(argument: _raftdb_v1_RoleRevokePermissionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  roleRevokePermission(argument: _raftdb_v1_RoleRevokePermissionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  roleRevokePermission(argument: _raftdb_v1_RoleRevokePermissionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  roleRevokePermission(argument: _raftdb_v1_RoleRevokePermissionRequest, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  
  UserAdd(argument: _raftdb_v1_UserAddRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  UserAdd(argument: _raftdb_v1_UserAddRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  UserAdd(argument: _raftdb_v1_UserAddRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  UserAdd(argument: _raftdb_v1_UserAddRequest, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  userAdd(argument: _raftdb_v1_UserAddRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  userAdd(argument: _raftdb_v1_UserAddRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  userAdd(argument: _raftdb_v1_UserAddRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  userAdd(argument: _raftdb_v1_UserAddRequest, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  
  UserChangePassword(argument: _raftdb_v1_UserChangePasswordRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  UserChangePassword(argument: _raftdb_v1_UserChangePasswordRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  UserChangePassword(argument: _raftdb_v1_UserChangePasswordRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  UserChangePassword(argument: _raftdb_v1_UserChangePasswordRequest, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  userChangePassword(argument: _raftdb_v1_UserChangePasswordRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  userChangePassword(argument: _raftdb_v1_UserChangePasswordRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  userChangePassword(argument: _raftdb_v1_UserChangePasswordRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  userChangePassword(argument: _raftdb_v1_UserChangePasswordRequest, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  
  UserDelete(argument: _raftdb_v1_UserNameRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  UserDelete(argument: _raftdb_v1_UserNameRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  UserDelete(argument: _raftdb_v1_UserNameRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  UserDelete(argument: _raftdb_v1_UserNameRequest, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  userDelete(argument: _raftdb_v1_UserNameRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  userDelete(argument: _raftdb_v1_UserNameRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  userDelete(argument: _raftdb_v1_UserNameRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  userDelete(argument: _raftdb_v1_UserNameRequest, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  
  UserGet(argument: _raftdb_v1_UserNameRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_UserGetResponse__Output>): grpc.ClientUnaryCall;
  UserGet(argument: _raftdb_v1_UserNameRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_UserGetResponse__Output>): grpc.ClientUnaryCall;
  UserGet(argument: _raftdb_v1_UserNameRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_UserGetResponse__Output>): grpc.ClientUnaryCall;
  UserGet(argument: _raftdb_v1_UserNameRequest, callback: grpc.requestCallback<_raftdb_v1_UserGetResponse__Output>): grpc.ClientUnaryCall;
  userGet(argument: _raftdb_v1_UserNameRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_UserGetResponse__Output>): grpc.ClientUnaryCall;
  userGet(argument: _raftdb_v1_UserNameRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_UserGetResponse__Output>): grpc.ClientUnaryCall;
  userGet(argument: _raftdb_v1_UserNameRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_UserGetResponse__Output>): grpc.ClientUnaryCall;
  userGet(argument: _raftdb_v1_UserNameRequest, callback: grpc.requestCallback<_raftdb_v1_UserGetResponse__Output>): grpc.ClientUnaryCall;
  
  UserGrantRole(argument: _raftdb_v1_UserRoleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  UserGrantRole(argument: _raftdb_v1_UserRoleRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  UserGrantRole(argument: _raftdb_v1_UserRoleRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  UserGrantRole(argument: _raftdb_v1_UserRoleRequest, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  userGrantRole(argument: _raftdb_v1_UserRoleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  userGrantRole(argument: _raftdb_v1_UserRoleRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  userGrantRole(argument: _raftdb_v1_UserRoleRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  userGrantRole(argument: _raftdb_v1_UserRoleRequest, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  
  UserList(argument: _raftdb_v1_UserListRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_UserListResponse__Output>): grpc.ClientUnaryCall;
  UserList(argument: _raftdb_v1_UserListRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_UserListResponse__Output>): grpc.ClientUnaryCall;
  UserList(argument: _raftdb_v1_UserListRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_UserListResponse__Output>): grpc.ClientUnaryCall;
  UserList(argument: _raftdb_v1_UserListRequest, callback: grpc.requestCallback<_raftdb_v1_UserListResponse__Output>): grpc.ClientUnaryCall;
  userList(argument: _raftdb_v1_UserListRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_UserListResponse__Output>): grpc.ClientUnaryCall;
  userList(argument: _raftdb_v1_UserListRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_UserListResponse__Output>): grpc.ClientUnaryCall;
  userList(argument: _raftdb_v1_UserListRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_UserListResponse__Output>): grpc.ClientUnaryCall;
  userList(argument: _raftdb_v1_UserListRequest, callback: grpc.requestCallback<_raftdb_v1_UserListResponse__Output>): grpc.ClientUnaryCall;
  
  UserRevokeRole(argument: _raftdb_v1_UserRoleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  UserRevokeRole(argument: _raftdb_v1_UserRoleRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  UserRevokeRole(argument: _raftdb_v1_UserRoleRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  UserRevokeRole(argument: _raftdb_v1_UserRoleRequest, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  userRevokeRole(argument: _raftdb_v1_UserRoleRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  userRevokeRole(argument: _raftdb_v1_UserRoleRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  userRevokeRole(argument: _raftdb_v1_UserRoleRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  userRevokeRole(argument: _raftdb_v1_UserRoleRequest, callback: grpc.requestCallback<_raftdb_v1_AuthChangeResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface AuthHandlers extends grpc.UntypedServiceImplementation {
  AuthDisable: grpc.handleUnaryCall<_raftdb_v1_AuthDisableRequest__Output, _raftdb_v1_AuthChangeResponse>;
  
  AuthEnable: grpc.handleUnaryCall<_raftdb_v1_AuthEnableRequest__Output, _raftdb_v1_AuthChangeResponse>;
  
  AuthRotateKey: grpc.handleUnaryCall<_raftdb_v1_AuthRotateKeyRequest__Output, _raftdb_v1_AuthChangeResponse>;
  
  AuthStatus: grpc.handleUnaryCall<_raftdb_v1_AuthStatusRequest__Output, _raftdb_v1_AuthStatusResponse>;
  
  Authenticate: grpc.handleUnaryCall<_raftdb_v1_AuthenticateRequest__Output, _raftdb_v1_AuthenticateResponse>;
  
  RoleAdd: grpc.handleUnaryCall<_raftdb_v1_RoleNameRequest__Output, _raftdb_v1_AuthChangeResponse>;
  
  RoleDelete: grpc.handleUnaryCall<_raftdb_v1_RoleNameRequest__Output, _raftdb_v1_AuthChangeResponse>;
  
  RoleGet: grpc.handleUnaryCall<_raftdb_v1_RoleNameRequest__Output, _raftdb_v1_RoleGetResponse>;
  
  RoleGrantPermission: grpc.handleUnaryCall<_raftdb_v1_RoleGrantPermissionRequest__Output, _raftdb_v1_AuthChangeResponse>;
  
  RoleList: grpc.handleUnaryCall<_raftdb_v1_RoleListRequest__Output, _raftdb_v1_RoleListResponse>;
  
  RoleRevokePermission: grpc.handleUnaryCall<_raftdb_v1_RoleRevokePermissionRequest__Output, _raftdb_v1_AuthChangeResponse>;
  
  UserAdd: grpc.handleUnaryCall<_raftdb_v1_UserAddRequest__Output, _raftdb_v1_AuthChangeResponse>;
  
  UserChangePassword: grpc.handleUnaryCall<_raftdb_v1_UserChangePasswordRequest__Output, _raftdb_v1_AuthChangeResponse>;
  
  UserDelete: grpc.handleUnaryCall<_raftdb_v1_UserNameRequest__Output, _raftdb_v1_AuthChangeResponse>;
  
  UserGet: grpc.handleUnaryCall<_raftdb_v1_UserNameRequest__Output, _raftdb_v1_UserGetResponse>;
  
  UserGrantRole: grpc.handleUnaryCall<_raftdb_v1_UserRoleRequest__Output, _raftdb_v1_AuthChangeResponse>;
  
  UserList: grpc.handleUnaryCall<_raftdb_v1_UserListRequest__Output, _raftdb_v1_UserListResponse>;
  
  UserRevokeRole: grpc.handleUnaryCall<_raftdb_v1_UserRoleRequest__Output, _raftdb_v1_AuthChangeResponse>;
  
}

export interface AuthDefinition extends grpc.ServiceDefinition {
  AuthDisable: MethodDefinition<_raftdb_v1_AuthDisableRequest, _raftdb_v1_AuthChangeResponse, _raftdb_v1_AuthDisableRequest__Output, _raftdb_v1_AuthChangeResponse__Output>
  AuthEnable: MethodDefinition<_raftdb_v1_AuthEnableRequest, _raftdb_v1_AuthChangeResponse, _raftdb_v1_AuthEnableRequest__Output, _raftdb_v1_AuthChangeResponse__Output>
  AuthRotateKey: MethodDefinition<_raftdb_v1_AuthRotateKeyRequest, _raftdb_v1_AuthChangeResponse, _raftdb_v1_AuthRotateKeyRequest__Output, _raftdb_v1_AuthChangeResponse__Output>
  AuthStatus: MethodDefinition<_raftdb_v1_AuthStatusRequest, _raftdb_v1_AuthStatusResponse, _raftdb_v1_AuthStatusRequest__Output, _raftdb_v1_AuthStatusResponse__Output>
  Authenticate: MethodDefinition<_raftdb_v1_AuthenticateRequest, _raftdb_v1_AuthenticateResponse, _raftdb_v1_AuthenticateRequest__Output, _raftdb_v1_AuthenticateResponse__Output>
  RoleAdd: MethodDefinition<_raftdb_v1_RoleNameRequest, _raftdb_v1_AuthChangeResponse, _raftdb_v1_RoleNameRequest__Output, _raftdb_v1_AuthChangeResponse__Output>
  RoleDelete: MethodDefinition<_raftdb_v1_RoleNameRequest, _raftdb_v1_AuthChangeResponse, _raftdb_v1_RoleNameRequest__Output, _raftdb_v1_AuthChangeResponse__Output>
  RoleGet: MethodDefinition<_raftdb_v1_RoleNameRequest, _raftdb_v1_RoleGetResponse, _raftdb_v1_RoleNameRequest__Output, _raftdb_v1_RoleGetResponse__Output>
  RoleGrantPermission: MethodDefinition<_raftdb_v1_RoleGrantPermissionRequest, _raftdb_v1_AuthChangeResponse, _raftdb_v1_RoleGrantPermissionRequest__Output, _raftdb_v1_AuthChangeResponse__Output>
  RoleList: MethodDefinition<_raftdb_v1_RoleListRequest, _raftdb_v1_RoleListResponse, _raftdb_v1_RoleListRequest__Output, _raftdb_v1_RoleListResponse__Output>
  RoleRevokePermission: MethodDefinition<_raftdb_v1_RoleRevokePermissionRequest, _raftdb_v1_AuthChangeResponse, _raftdb_v1_RoleRevokePermissionRequest__Output, _raftdb_v1_AuthChangeResponse__Output>
  UserAdd: MethodDefinition<_raftdb_v1_UserAddRequest, _raftdb_v1_AuthChangeResponse, _raftdb_v1_UserAddRequest__Output, _raftdb_v1_AuthChangeResponse__Output>
  UserChangePassword: MethodDefinition<_raftdb_v1_UserChangePasswordRequest, _raftdb_v1_AuthChangeResponse, _raftdb_v1_UserChangePasswordRequest__Output, _raftdb_v1_AuthChangeResponse__Output>
  UserDelete: MethodDefinition<_raftdb_v1_UserNameRequest, _raftdb_v1_AuthChangeResponse, _raftdb_v1_UserNameRequest__Output, _raftdb_v1_AuthChangeResponse__Output>
  UserGet: MethodDefinition<_raftdb_v1_UserNameRequest, _raftdb_v1_UserGetResponse, _raftdb_v1_UserNameRequest__Output, _raftdb_v1_UserGetResponse__Output>
  UserGrantRole: MethodDefinition<_raftdb_v1_UserRoleRequest, _raftdb_v1_AuthChangeResponse, _raftdb_v1_UserRoleRequest__Output, _raftdb_v1_AuthChangeResponse__Output>
  UserList: MethodDefinition<_raftdb_v1_UserListRequest, _raftdb_v1_UserListResponse, _raftdb_v1_UserListRequest__Output, _raftdb_v1_UserListResponse__Output>
  UserRevokeRole: MethodDefinition<_raftdb_v1_UserRoleRequest, _raftdb_v1_AuthChangeResponse, _raftdb_v1_UserRoleRequest__Output, _raftdb_v1_AuthChangeResponse__Output>
}
