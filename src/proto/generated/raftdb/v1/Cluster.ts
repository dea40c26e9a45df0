// Original file: proto/raftdb/v1/cluster.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AlarmActivateRequest as _raftdb_v1_AlarmActivateRequest, AlarmActivateRequest__Output as _raftdb_v1_AlarmActivateRequest__Output } from '../../raftdb/v1/AlarmActivateRequest.js';
import type { AlarmActivateResponse as _raftdb_v1_AlarmActivateResponse, AlarmActivateResponse__Output as _raftdb_v1_AlarmActivateResponse__Output } from '../../raftdb/v1/AlarmActivateResponse.js';
import type { AlarmDisarmRequest as _raftdb_v1_AlarmDisarmRequest, AlarmDisarmRequest__Output as _raftdb_v1_AlarmDisarmRequest__Output } from '../../raftdb/v1/AlarmDisarmRequest.js';
import type { AlarmDisarmResponse as _raftdb_v1_AlarmDisarmResponse, AlarmDisarmResponse__Output as _raftdb_v1_AlarmDisarmResponse__Output } from '../../raftdb/v1/AlarmDisarmResponse.js';
import type { AlarmListRequest as _raftdb_v1_AlarmListRequest, AlarmListRequest__Output as _raftdb_v1_AlarmListRequest__Output } from '../../raftdb/v1/AlarmListRequest.js';
import type { AlarmListResponse as _raftdb_v1_AlarmListResponse, AlarmListResponse__Output as _raftdb_v1_AlarmListResponse__Output } from '../../raftdb/v1/AlarmListResponse.js';
import type { CompactRequest as _raftdb_v1_CompactRequest, CompactRequest__Output as _raftdb_v1_CompactRequest__Output } from '../../raftdb/v1/CompactRequest.js';
import type { CompactResponse as _raftdb_v1_CompactResponse, CompactResponse__Output as _raftdb_v1_CompactResponse__Output } from '../../raftdb/v1/CompactResponse.js';
import type { DefragmentRequest as _raftdb_v1_DefragmentRequest, DefragmentRequest__Output as _raftdb_v1_DefragmentRequest__Output } from '../../raftdb/v1/DefragmentRequest.js';
import type { DefragmentResponse as _raftdb_v1_DefragmentResponse, DefragmentResponse__Output as _raftdb_v1_DefragmentResponse__Output } from '../../raftdb/v1/DefragmentResponse.js';
import type { FailbackRequest as _raftdb_v1_FailbackRequest, FailbackRequest__Output as _raftdb_v1_FailbackRequest__Output } from '../../raftdb/v1/FailbackRequest.js';
import type { FailoverHistoryRequest as _raftdb_v1_FailoverHistoryRequest, FailoverHistoryRequest__Output as _raftdb_v1_FailoverHistoryRequest__Output } from '../../raftdb/v1/FailoverHistoryRequest.js';
import type { FailoverHistoryResponse as _raftdb_v1_FailoverHistoryResponse, FailoverHistoryResponse__Output as _raftdb_v1_FailoverHistoryResponse__Output } from '../../raftdb/v1/FailoverHistoryResponse.js';
import type { MemberAddRequest as _raftdb_v1_MemberAddRequest, MemberAddRequest__Output as _raftdb_v1_MemberAddRequest__Output } from '../../raftdb/v1/MemberAddRequest.js';
import type { MemberAddResponse as _raftdb_v1_MemberAddResponse, MemberAddResponse__Output as _raftdb_v1_MemberAddResponse__Output } from '../../raftdb/v1/MemberAddResponse.js';
import type { MemberListRequest as _raftdb_v1_MemberListRequest, MemberListRequest__Output as _raftdb_v1_MemberListRequest__Output } from '../../raftdb/v1/MemberListRequest.js';
import type { MemberListResponse as _raftdb_v1_MemberListResponse, MemberListResponse__Output as _raftdb_v1_MemberListResponse__Output } from '../../raftdb/v1/MemberListResponse.js';
import type { MemberPromoteRequest as _raftdb_v1_MemberPromoteRequest, MemberPromoteRequest__Output as _raftdb_v1_MemberPromoteRequest__Output } from '../../raftdb/v1/MemberPromoteRequest.js';
import type { MemberPromoteResponse as _raftdb_v1_MemberPromoteResponse, MemberPromoteResponse__Output as _raftdb_v1_MemberPromoteResponse__Output } from '../../raftdb/v1/MemberPromoteResponse.js';
import type { MemberRemoveRequest as _raftdb_v1_MemberRemoveRequest, MemberRemoveRequest__Output as _raftdb_v1_MemberRemoveRequest__Output } from '../../raftdb/v1/MemberRemoveRequest.js';
import type { MemberRemoveResponse as _raftdb_v1_MemberRemoveResponse, MemberRemoveResponse__Output as _raftdb_v1_MemberRemoveResponse__Output } from '../../raftdb/v1/MemberRemoveResponse.js';
import type { ReportQuorumLossRequest as _raftdb_v1_ReportQuorumLossRequest, ReportQuorumLossRequest__Output as _raftdb_v1_ReportQuorumLossRequest__Output } from '../../raftdb/v1/ReportQuorumLossRequest.js';
import type { ReportQuorumLossResponse as _raftdb_v1_ReportQuorumLossResponse, ReportQuorumLossResponse__Output as _raftdb_v1_ReportQuorumLossResponse__Output } from '../../raftdb/v1/ReportQuorumLossResponse.js';
import type { SetCommitModeRequest as _raftdb_v1_SetCommitModeRequest, SetCommitModeRequest__Output as _raftdb_v1_SetCommitModeRequest__Output } from '../../raftdb/v1/SetCommitModeRequest.js';
import type { SetCommitModeResponse as _raftdb_v1_SetCommitModeResponse, SetCommitModeResponse__Output as _raftdb_v1_SetCommitModeResponse__Output } from '../../raftdb/v1/SetCommitModeResponse.js';
import type { StatusRequest as _raftdb_v1_StatusRequest, StatusRequest__Output as _raftdb_v1_StatusRequest__Output } from '../../raftdb/v1/StatusRequest.js';
import type { StatusResponse as _raftdb_v1_StatusResponse, StatusResponse__Output as _raftdb_v1_StatusResponse__Output } from '../../raftdb/v1/StatusResponse.js';
import type { TransferLeadershipRequest as _raftdb_v1_TransferLeadershipRequest, TransferLeadershipRequest__Output as _raftdb_v1_TransferLeadershipRequest__Output } from '../../raftdb/v1/TransferLeadershipRequest.js';
import type { TransferLeadershipResponse as _raftdb_v1_TransferLeadershipResponse, TransferLeadershipResponse__Output as _raftdb_v1_TransferLeadershipResponse__Output } from '../../raftdb/v1/TransferLeadershipResponse.js';

export interface ClusterClient extends grpc.Client {
  AlarmActivate(argument: _raftdb_v1_AlarmActivateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AlarmActivateResponse__Output>): grpc.ClientUnaryCall;
  AlarmActivate(argument: _raftdb_v1_AlarmActivateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_AlarmActivateResponse__Output>): grpc.ClientUnaryCall;
  AlarmActivate(argument: _raftdb_v1_AlarmActivateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AlarmActivateResponse__Output>): grpc.ClientUnaryCall;
  AlarmActivate(argument: _raftdb_v1_AlarmActivateRequest, callback: grpc.requestCallback<_raftdb_v1_AlarmActivateResponse__Output>): grpc.ClientUnaryCall;
  alarmActivate(argument: _raftdb_v1_AlarmActivateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AlarmActivateResponse__Output>): grpc.ClientUnaryCall;
  alarmActivate(argument: _raftdb_v1_AlarmActivateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_AlarmActivateResponse__Output>): grpc.ClientUnaryCall;
  alarmActivate(argument: _raftdb_v1_AlarmActivateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AlarmActivateResponse__Output>): grpc.ClientUnaryCall;
  alarmActivate(argument: _raftdb_v1_AlarmActivateRequest, callback: grpc.requestCallback<_raftdb_v1_AlarmActivateResponse__Output>): grpc.ClientUnaryCall;
  
  AlarmDisarm(argument: _raftdb_v1_AlarmDisarmRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AlarmDisarmResponse__Output>): grpc.ClientUnaryCall;
  AlarmDisarm(argument: _raftdb_v1_AlarmDisarmRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_AlarmDisarmResponse__Output>): grpc.ClientUnaryCall;
  AlarmDisarm(argument: _raftdb_v1_AlarmDisarmRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AlarmDisarmResponse__Output>): grpc.ClientUnaryCall;
  AlarmDisarm(argument: _raftdb_v1_AlarmDisarmRequest, callback: grpc.requestCallback<_raftdb_v1_AlarmDisarmResponse__Output>): grpc.ClientUnaryCall;
  alarmDisarm(argument: _raftdb_v1_AlarmDisarmRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AlarmDisarmResponse__Output>): grpc.ClientUnaryCall;
  alarmDisarm(argument: _raftdb_v1_AlarmDisarmRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_AlarmDisarmResponse__Output>): grpc.ClientUnaryCall;
  alarmDisarm(argument: _raftdb_v1_AlarmDisarmRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AlarmDisarmResponse__Output>): grpc.ClientUnaryCall;
  alarmDisarm(argument: _raftdb_v1_AlarmDisarmRequest, callback: grpc.requestCallback<_raftdb_v1_AlarmDisarmResponse__Output>): grpc.ClientUnaryCall;
  
  AlarmList(argument: _raftdb_v1_AlarmListRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AlarmListResponse__Output>): grpc.ClientUnaryCall;
  AlarmList(argument: _raftdb_v1_AlarmListRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_AlarmListResponse__Output>): grpc.ClientUnaryCall;
  AlarmList(argument: _raftdb_v1_AlarmListRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AlarmListResponse__Output>): grpc.ClientUnaryCall;
  AlarmList(argument: _raftdb_v1_AlarmListRequest, callback: grpc.requestCallback<_raftdb_v1_AlarmListResponse__Output>): grpc.ClientUnaryCall;
  alarmList(argument: _raftdb_v1_AlarmListRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AlarmListResponse__Output>): grpc.ClientUnaryCall;
  alarmList(argument: _raftdb_v1_AlarmListRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_AlarmListResponse__Output>): grpc.ClientUnaryCall;
  alarmList(argument: _raftdb_v1_AlarmListRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_AlarmListResponse__Output>): grpc.ClientUnaryCall;
  alarmList(argument: _raftdb_v1_AlarmListRequest, callback: grpc.requestCallback<_raftdb_v1_AlarmListResponse__Output>): grpc.ClientUnaryCall;
  
  Compact(argument: _raftdb_v1_CompactRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_CompactResponse__Output>): grpc.ClientUnaryCall;
  Compact(argument: _raftdb_v1_CompactRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_CompactResponse__Output>): grpc.ClientUnaryCall;
  Compact(argument: _raftdb_v1_CompactRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_CompactResponse__Output>): grpc.ClientUnaryCall;
  Compact(argument: _raftdb_v1_CompactRequest, callback: grpc.requestCallback<_raftdb_v1_CompactResponse__Output>): grpc.ClientUnaryCall;
  compact(argument: _raftdb_v1_CompactRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_CompactResponse__Output>): grpc.ClientUnaryCall;
  compact(argument: _raftdb_v1_CompactRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_CompactResponse__Output>): grpc.ClientUnaryCall;
  compact(argument: _raftdb_v1_CompactRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_CompactResponse__Output>): grpc.ClientUnaryCall;
  compact(argument: _raftdb_v1_CompactRequest, callback: grpc.requestCallback<_raftdb_v1_CompactResponse__Output>): grpc.ClientUnaryCall;
  
  Defragment(argument: _raftdb_v1_DefragmentRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_DefragmentResponse__Output>): grpc.ClientUnaryCall;
  Defragment(argument: _raftdb_v1_DefragmentRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_DefragmentResponse__Output>): grpc.ClientUnaryCall;
  Defragment(argument: _raftdb_v1_DefragmentRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_DefragmentResponse__Output>): grpc.ClientUnaryCall;
  Defragment(argument: _raftdb_v1_DefragmentRequest, callback: grpc.requestCallback<_raftdb_v1_DefragmentResponse__Output>): grpc.ClientUnaryCall;
  defragment(argument: _raftdb_v1_DefragmentRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_DefragmentResponse__Output>): grpc.ClientUnaryCall;
  defragment(argument: _raftdb_v1_DefragmentRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_DefragmentResponse__Output>): grpc.ClientUnaryCall;
  defragment(argument: _raftdb_v1_DefragmentRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_DefragmentResponse__Output>): grpc.ClientUnaryCall;
  defragment(argument: _raftdb_v1_DefragmentRequest, callback: grpc.requestCallback<_raftdb_v1_DefragmentResponse__Output>): grpc.ClientUnaryCall;
  
  Failback(argument: _raftdb_v1_FailbackRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_TransferLeadershipResponse__Output>): grpc.ClientUnaryCall;
  Failback(argument: _raftdb_v1_FailbackRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_TransferLeadershipResponse__Output>): grpc.ClientUnaryCall;
  Failback(argument: _raftdb_v1_FailbackRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_TransferLeadershipResponse__Output>): grpc.ClientUnaryCall;
  Failback(argument: _raftdb_v1_FailbackRequest, callback: grpc.requestCallback<_raftdb_v1_TransferLeadershipResponse__Output>): grpc.ClientUnaryCall;
  failback(argument: _raftdb_v1_FailbackRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_TransferLeadershipResponse__Output>): grpc.ClientUnaryCall;
  failback(argument: _raftdb_v1_FailbackRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_TransferLeadershipResponse__Output>): grpc.ClientUnaryCall;
  failback(argument: _raftdb_v1_FailbackRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_TransferLeadershipResponse__Output>): grpc.ClientUnaryCall;
  failback(argument: _raftdb_v1_FailbackRequest, callback: grpc.requestCallback<_raftdb_v1_TransferLeadershipResponse__Output>): grpc.ClientUnaryCall;
  
  FailoverHistory(argument: _raftdb_v1_FailoverHistoryRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_FailoverHistoryResponse__Output>): grpc.ClientUnaryCall;
  FailoverHistory(argument: _raftdb_v1_FailoverHistoryRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_FailoverHistoryResponse__Output>): grpc.ClientUnaryCall;
  FailoverHistory(argument: _raftdb_v1_FailoverHistoryRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_FailoverHistoryResponse__Output>): grpc.ClientUnaryCall;
  FailoverHistory(argument: _raftdb_v1_FailoverHistoryRequest, callback: grpc.requestCallback<_raftdb_v1_FailoverHistoryResponse__Output>): grpc.ClientUnaryCall;
  failoverHistory(argument: _raftdb_v1_FailoverHistoryRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_FailoverHistoryResponse__Output>): grpc.ClientUnaryCall;
  failoverHistory(argument: _raftdb_v1_FailoverHistoryRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_FailoverHistoryResponse__Output>): grpc.ClientUnaryCall;
  failoverHistory(argument: _raftdb_v1_FailoverHistoryRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_FailoverHistoryResponse__Output>): grpc.ClientUnaryCall;
  failoverHistory(argument: _raftdb_v1_FailoverHistoryRequest, callback: grpc.requestCallback<_raftdb_v1_FailoverHistoryResponse__Output>): grpc.ClientUnaryCall;
  
  MemberAdd(argument: _raftdb_v1_MemberAddRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_MemberAddResponse__Output>): grpc.ClientUnaryCall;
  MemberAdd(argument: _raftdb_v1_MemberAddRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_MemberAddResponse__Output>): grpc.ClientUnaryCall;
  MemberAdd(argument: _raftdb_v1_MemberAddRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_MemberAddResponse__Output>): grpc.ClientUnaryCall;
  MemberAdd(argument: _raftdb_v1_MemberAddRequest, callback: grpc.requestCallback<_raftdb_v1_MemberAddResponse__Output>): grpc.ClientUnaryCall;
  memberAdd(argument: _raftdb_v1_MemberAddRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_MemberAddResponse__Output>): grpc.ClientUnaryCall;
  memberAdd(argument: _raftdb_v1_MemberAddRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_MemberAddResponse__Output>): grpc.ClientUnaryCall;
  memberAdd(argument: _raftdb_v1_MemberAddRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_MemberAddResponse__Output>): grpc.ClientUnaryCall;
  memberAdd(argument: _raftdb_v1_MemberAddRequest, callback: grpc.requestCallback<_raftdb_v1_MemberAddResponse__Output>): grpc.ClientUnaryCall;
  
  MemberList(argument: _raftdb_v1_MemberListRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_MemberListResponse__Output>): grpc.ClientUnaryCall;
  MemberList(argument: _raftdb_v1_MemberListRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_MemberListResponse__Output>): grpc.ClientUnaryCall;
  MemberList(argument: _raftdb_v1_MemberListRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_MemberListResponse__Output>): grpc.ClientUnaryCall;
  MemberList(argument: _raftdb_v1_MemberListRequest, callback: grpc.requestCallback<_raftdb_v1_MemberListResponse__Output>): grpc.ClientUnaryCall;
  memberList(argument: _raftdb_v1_MemberListRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_MemberListResponse__Output>): grpc.ClientUnaryCall;
  memberList(argument: _raftdb_v1_MemberListRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_MemberListResponse__Output>): grpc.ClientUnaryCall;
  memberList(argument: _raftdb_v1_MemberListRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_MemberListResponse__Output>): grpc.ClientUnaryCall;
  memberList(argument: _raftdb_v1_MemberListRequest, callback: grpc.requestCallback<_raftdb_v1_MemberListResponse__Output>): grpc.ClientUnaryCall;
  
  MemberPromote(argument: _raftdb_v1_MemberPromoteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_MemberPromoteResponse__Output>): grpc.ClientUnaryCall;
  MemberPromote(argument: _raftdb_v1_MemberPromoteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_MemberPromoteResponse__Output>): grpc.ClientUnaryCall;
  MemberPromote(argument: _raftdb_v1_MemberPromoteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_MemberPromoteResponse__Output>): grpc.ClientUnaryCall;
  MemberPromote(argument: _raftdb_v1_MemberPromoteRequest, callback: grpc.requestCallback<_raftdb_v1_MemberPromoteResponse__Output>): grpc.ClientUnaryCall;
  memberPromote(argument: _raftdb_v1_MemberPromoteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_MemberPromoteResponse__Output>): grpc.ClientUnaryCall;
  memberPromote(argument: _raftdb_v1_MemberPromoteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_MemberPromoteResponse__Output>): grpc.ClientUnaryCall;
  memberPromote(argument: _raftdb_v1_MemberPromoteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_MemberPromoteResponse__Output>): grpc.ClientUnaryCall;
  memberPromote(argument: _raftdb_v1_MemberPromoteRequest, callback: grpc.requestCallback<_raftdb_v1_MemberPromoteResponse__Output>): grpc.ClientUnaryCall;
  
  MemberRemove(argument: _raftdb_v1_MemberRemoveRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_MemberRemoveResponse__Output>): grpc.ClientUnaryCall;
  MemberRemove(argument: _raftdb_v1_MemberRemoveRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_MemberRemoveResponse__Output>): grpc.ClientUnaryCall;
  MemberRemove(argument: _raftdb_v1_MemberRemoveRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_MemberRemoveResponse__Output>): grpc.ClientUnaryCall;
  MemberRemove(argument: _raftdb_v1_MemberRemoveRequest, callback: grpc.requestCallback<_raftdb_v1_MemberRemoveResponse__Output>): grpc.ClientUnaryCall;
  memberRemove(argument: _raftdb_v1_MemberRemoveRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_MemberRemoveResponse__Output>): grpc.ClientUnaryCall;
  memberRemove(argument: _raftdb_v1_MemberRemoveRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_MemberRemoveResponse__Output>): grpc.ClientUnaryCall;
  memberRemove(argument: _raftdb_v1_MemberRemoveRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_MemberRemoveResponse__Output>): grpc.ClientUnaryCall;
  memberRemove(argument: _raftdb_v1_MemberRemoveRequest, callback: grpc.requestCallback<_raftdb_v1_MemberRemoveResponse__Output>): grpc.ClientUnaryCall;
  
  ReportQuorumLoss(argument: _raftdb_v1_ReportQuorumLossRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_ReportQuorumLossResponse__Output>): grpc.ClientUnaryCall;
  ReportQuorumLoss(argument: _raftdb_v1_ReportQuorumLossRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_ReportQuorumLossResponse__Output>): grpc.ClientUnaryCall;
  ReportQuorumLoss(argument: _raftdb_v1_ReportQuorumLossRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_ReportQuorumLossResponse__Output>): grpc.ClientUnaryCall;
  ReportQuorumLoss(argument: _raftdb_v1_ReportQuorumLossRequest, callback: grpc.requestCallback<_raftdb_v1_ReportQuorumLossResponse__Output>): grpc.ClientUnaryCall;
  reportQuorumLoss(argument: _raftdb_v1_ReportQuorumLossRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_ReportQuorumLossResponse__Output>): grpc.ClientUnaryCall;
  reportQuorumLoss(argument: _raftdb_v1_ReportQuorumLossRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_ReportQuorumLossResponse__Output>): grpc.ClientUnaryCall;
  reportQuorumLoss(argument: _raftdb_v1_ReportQuorumLossRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_ReportQuorumLossResponse__Output>): grpc.ClientUnaryCall;
  reportQuorumLoss(argument: _raftdb_v1_ReportQuorumLossRequest, callback: grpc.requestCallback<_raftdb_v1_ReportQuorumLossResponse__Output>): grpc.ClientUnaryCall;
  
  SetCommitMode(argument: _raftdb_v1_SetCommitModeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_SetCommitModeResponse__Output>): grpc.ClientUnaryCall;
  SetCommitMode(argument: _raftdb_v1_SetCommitModeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_SetCommitModeResponse__Output>): grpc.ClientUnaryCall;
  SetCommitMode(argument: _raftdb_v1_SetCommitModeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_SetCommitModeResponse__Output>): grpc.ClientUnaryCall;
  SetCommitMode(argument: _raftdb_v1_SetCommitModeRequest, callback: grpc.requestCallback<_raftdb_v1_SetCommitModeResponse__Output>): grpc.ClientUnaryCall;
  setCommitMode(argument: _raftdb_v1_SetCommitModeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_SetCommitModeResponse__Output>): grpc.ClientUnaryCall;
  setCommitMode(argument: _raftdb_v1_SetCommitModeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_SetCommitModeResponse__Output>): grpc.ClientUnaryCall;
  setCommitMode(argument: _raftdb_v1_SetCommitModeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_SetCommitModeResponse__Output>): grpc.ClientUnaryCall;
  setCommitMode(argument: _raftdb_v1_SetCommitModeRequest, callback: grpc.requestCallback<_raftdb_v1_SetCommitModeResponse__Output>): grpc.ClientUnaryCall;
  
  Status(argument: _raftdb_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  Status(argument: _raftdb_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  Status(argument: _raftdb_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  Status(argument: _raftdb_v1_StatusRequest, callback: grpc.requestCallback<_raftdb_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _raftdb_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _raftdb_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _raftdb_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _raftdb_v1_StatusRequest, callback: grpc.requestCallback<_raftdb_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  
  TransferLeadership(argument: _raftdb_v1_TransferLeadershipRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_TransferLeadershipResponse__Output>): grpc.ClientUnaryCall;
  TransferLeadership(argument: _raftdb_v1_TransferLeadershipRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_TransferLeadershipResponse__Output>): grpc.ClientUnaryCall;
  TransferLeadership(argument: _raftdb_v1_TransferLeadershipRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_TransferLeadershipResponse__Output>): grpc.ClientUnaryCall;
  TransferLeadership(argument: _raftdb_v1_TransferLeadershipRequest, callback: grpc.requestCallback<_raftdb_v1_TransferLeadershipResponse__Output>): grpc.ClientUnaryCall;
  transferLeadership(argument: _raftdb_v1_TransferLeadershipRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_TransferLeadershipResponse__Output>): grpc.ClientUnaryCall;
  transferLeadership(argument: _raftdb_v1_TransferLeadershipRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_raftdb_v1_TransferLeadershipResponse__Output>): grpc.ClientUnaryCall;
  transferLeadership(argument: _raftdb_v1_TransferLeadershipRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_raftdb_v1_TransferLeadershipResponse__Output>): grpc.ClientUnaryCall;
  transferLeadership(argument: _raftdb_v1_TransferLeadershipRequest, callback: grpc.requestCallback<_raftdb_v1_TransferLeadershipResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface ClusterHandlers extends grpc.UntypedServiceImplementation {
  AlarmActivate: grpc.handleUnaryCall<_raftdb_v1_AlarmActivateRequest__Output, _raftdb_v1_AlarmActivateResponse>;
  
  AlarmDisarm: grpc.handleUnaryCall<_raftdb_v1_AlarmDisarmRequest__Output, _raftdb_v1_AlarmDisarmResponse>;
  
  AlarmList: grpc.handleUnaryCall<_raftdb_v1_AlarmListRequest__Output, _raftdb_v1_AlarmListResponse>;
  
  Compact: grpc.handleUnaryCall<_raftdb_v1_CompactRequest__Output, _raftdb_v1_CompactResponse>;
  
  Defragment: grpc.handleUnaryCall<_raftdb_v1_DefragmentRequest__Output, _raftdb_v1_DefragmentResponse>;
  
  Failback: grpc.handleUnaryCall<_raftdb_v1_FailbackRequest__Output, _raftdb_v1_TransferLeadershipResponse>;
  
  FailoverHistory: grpc.handleUnaryCall<_raftdb_v1_FailoverHistoryRequest__Output, _raftdb_v1_FailoverHistoryResponse>;
  
  MemberAdd: grpc.handleUnaryCall<_raftdb_v1_MemberAddRequest__Output, _raftdb_v1_MemberAddResponse>;
  
  MemberList: grpc.handleUnaryCall<_raftdb_v1_MemberListRequest__Output, _raftdb_v1_MemberListResponse>;
  
  MemberPromote: grpc.handleUnaryCall<_raftdb_v1_MemberPromoteRequest__Output, _raftdb_v1_MemberPromoteResponse>;
  
  MemberRemove: grpc.handleUnaryCall<_raftdb_v1_MemberRemoveRequest__Output, _raftdb_v1_MemberRemoveResponse>;
  
  ReportQuorumLoss: grpc.handleUnaryCall<_raftdb_v1_ReportQuorumLossRequest__Output, _raftdb_v1_ReportQuorumLossResponse>;
  
  SetCommitMode: grpc.handleUnaryCall<_raftdb_v1_SetCommitModeRequest__Output, _raftdb_v1_SetCommitModeResponse>;
  
  Status: grpc.handleUnaryCall<_raftdb_v1_StatusRequest__Output, _raftdb_v1_StatusResponse>;
  
  TransferLeadership: grpc.handleUnaryCall<_raftdb_v1_TransferLeadershipRequest__Output, _raftdb_v1_TransferLeadershipResponse>;
  
}

export interface ClusterDefinition extends grpc.ServiceDefinition {
  AlarmActivate: MethodDefinition<_raftdb_v1_AlarmActivateRequest, _raftdb_v1_AlarmActivateResponse, _raftdb_v1_AlarmActivateRequest__Output, _raftdb_v1_AlarmActivateResponse__Output>
  AlarmDisarm: MethodDefinition<_raftdb_v1_AlarmDisarmRequest, _raftdb_v1_AlarmDisarmResponse, _raftdb_v1_AlarmDisarmRequest__Output, _raftdb_v1_AlarmDisarmResponse__Output>
  AlarmList: MethodDefinition<_raftdb_v1_AlarmListRequest, _raftdb_v1_AlarmListResponse, _raftdb_v1_AlarmListRequest__Output, _raftdb_v1_AlarmListResponse__Output>
  Compact: MethodDefinition<_raftdb_v1_CompactRequest, _raftdb_v1_CompactResponse, _raftdb_v1_CompactRequest__Output, _raftdb_v1_CompactResponse__Output>
  Defragment: MethodDefinition<_raftdb_v1_DefragmentRequest, _raftdb_v1_DefragmentResponse, _raftdb_v1_DefragmentRequest__Output, _raftdb_v1_DefragmentResponse__Output>
  Failback: MethodDefinition<_raftdb_v1_FailbackRequest, _raftdb_v1_TransferLeadershipResponse, _raftdb_v1_FailbackRequest__Output, _raftdb_v1_TransferLeadershipResponse__Output>
  FailoverHistory: MethodDefinition<_raftdb_v1_FailoverHistoryRequest, _raftdb_v1_FailoverHistoryResponse, _raftdb_v1_FailoverHistoryRequest__Output, _raftdb_v1_FailoverHistoryResponse__Output>
  MemberAdd: MethodDefinition<_raftdb_v1_MemberAddRequest, _raftdb_v1_MemberAddResponse, _raftdb_v1_MemberAddRequest__Output, _raftdb_v1_MemberAddResponse__Output>
  MemberList: MethodDefinition<_raftdb_v1_MemberListRequest, _raftdb_v1_MemberListResponse, _raftdb_v1_MemberListRequest__Output, _raftdb_v1_MemberListResponse__Output>
  MemberPromote: MethodDefinition<_raftdb_v1_MemberPromoteRequest, _raftdb_v1_MemberPromoteResponse, _raftdb_v1_MemberPromoteRequest__Output, _raftdb_v1_MemberPromoteResponse__Output>
  MemberRemove: MethodDefinition<_raftdb_v1_MemberRemoveRequest, _raftdb_v1_MemberRemoveResponse, _raftdb_v1_MemberRemoveRequest__Output, _raftdb_v1_MemberRemoveResponse__Output>
  ReportQuorumLoss: MethodDefinition<_raftdb_v1_ReportQuorumLossRequest, _raftdb_v1_ReportQuorumLossResponse, _raftdb_v1_ReportQuorumLossRequest__Output, _raftdb_v1_ReportQuorumLossResponse__Output>
  SetCommitMode: MethodDefinition<_raftdb_v1_SetCommitModeRequest, _raftdb_v1_SetCommitModeResponse, _raftdb_v1_SetCommitModeRequest__Output, _raftdb_v1_SetCommitModeResponse__Output>
  Status: MethodDefinition<_raftdb_v1_StatusRequest, _raftdb_v1_StatusResponse, _raftdb_v1_StatusRequest__Output, _raftdb_v1_StatusResponse__Output>
  TransferLeadership: MethodDefinition<_raftdb_v1_TransferLeadershipRequest, _raftdb_v1_TransferLeadershipResponse, _raftdb_v1_TransferLeadershipRequest__Output, _raftdb_v1_TransferLeadershipResponse__Output>
}
