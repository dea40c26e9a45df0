import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AlarmActivateRequest as _raftdb_v1_AlarmActivateRequest, AlarmActivateRequest__Output as _raftdb_v1_AlarmActivateRequest__Output } from './raftdb/v1/AlarmActivateRequest.js';
import type { AlarmActivateResponse as _raftdb_v1_AlarmActivateResponse, AlarmActivateResponse__Output as _raftdb_v1_AlarmActivateResponse__Output } from './raftdb/v1/AlarmActivateResponse.js';
import type { AlarmDisarmRequest as _raftdb_v1_AlarmDisarmRequest, AlarmDisarmRequest__Output as _raftdb_v1_AlarmDisarmRequest__Output } from './raftdb/v1/AlarmDisarmRequest.js';
import type { AlarmDisarmResponse as _raftdb_v1_AlarmDisarmResponse, AlarmDisarmResponse__Output as _raftdb_v1_AlarmDisarmResponse__Output } from './raftdb/v1/AlarmDisarmResponse.js';
import type { AlarmListRequest as _raftdb_v1_AlarmListRequest, AlarmListRequest__Output as _raftdb_v1_AlarmListRequest__Output } from './raftdb/v1/AlarmListRequest.js';
import type { AlarmListResponse as _raftdb_v1_AlarmListResponse, AlarmListResponse__Output as _raftdb_v1_AlarmListResponse__Output } from './raftdb/v1/AlarmListResponse.js';
import type { AlarmMember as _raftdb_v1_AlarmMember, AlarmMember__Output as _raftdb_v1_AlarmMember__Output } from './raftdb/v1/AlarmMember.js';
import type { ClusterClient as _raftdb_v1_ClusterClient, ClusterDefinition as _raftdb_v1_ClusterDefinition } from './raftdb/v1/Cluster.js';
import type { CompactRequest as _raftdb_v1_CompactRequest, CompactRequest__Output as _raftdb_v1_CompactRequest__Output } from './raftdb/v1/CompactRequest.js';
import type { CompactResponse as _raftdb_v1_CompactResponse, CompactResponse__Output as _raftdb_v1_CompactResponse__Output } from './raftdb/v1/CompactResponse.js';
import type { Compare as _raftdb_v1_Compare, Compare__Output as _raftdb_v1_Compare__Output } from './raftdb/v1/Compare.js';
import type { DefragmentRequest as _raftdb_v1_DefragmentRequest, DefragmentRequest__Output as _raftdb_v1_DefragmentRequest__Output } from './raftdb/v1/DefragmentRequest.js';
import type { DefragmentResponse as _raftdb_v1_DefragmentResponse, DefragmentResponse__Output as _raftdb_v1_DefragmentResponse__Output } from './raftdb/v1/DefragmentResponse.js';
import type { DeleteRequest as _raftdb_v1_DeleteRequest, DeleteRequest__Output as _raftdb_v1_DeleteRequest__Output } from './raftdb/v1/DeleteRequest.js';
import type { DeleteResponse as _raftdb_v1_DeleteResponse, DeleteResponse__Output as _raftdb_v1_DeleteResponse__Output } from './raftdb/v1/DeleteResponse.js';
import type { FailbackRequest as _raftdb_v1_FailbackRequest, FailbackRequest__Output as _raftdb_v1_FailbackRequest__Output } from './raftdb/v1/FailbackRequest.js';
import type { FailoverEvent as _raftdb_v1_FailoverEvent, FailoverEvent__Output as _raftdb_v1_FailoverEvent__Output } from './raftdb/v1/FailoverEvent.js';
import type { FailoverHistoryRequest as _raftdb_v1_FailoverHistoryRequest, FailoverHistoryRequest__Output as _raftdb_v1_FailoverHistoryRequest__Output } from './raftdb/v1/FailoverHistoryRequest.js';
import type { FailoverHistoryResponse as _raftdb_v1_FailoverHistoryResponse, FailoverHistoryResponse__Output as _raftdb_v1_FailoverHistoryResponse__Output } from './raftdb/v1/FailoverHistoryResponse.js';
import type { FollowerProgress as _raftdb_v1_FollowerProgress, FollowerProgress__Output as _raftdb_v1_FollowerProgress__Output } from './raftdb/v1/FollowerProgress.js';
import type { GetRequest as _raftdb_v1_GetRequest, GetRequest__Output as _raftdb_v1_GetRequest__Output } from './raftdb/v1/GetRequest.js';
import type { GetResponse as _raftdb_v1_GetResponse, GetResponse__Output as _raftdb_v1_GetResponse__Output } from './raftdb/v1/GetResponse.js';
import type { KVClient as _raftdb_v1_KVClient, KVDefinition as _raftdb_v1_KVDefinition } from './raftdb/v1/KV.js';
import type { KeyValue as _raftdb_v1_KeyValue, KeyValue__Output as _raftdb_v1_KeyValue__Output } from './raftdb/v1/KeyValue.js';
import type { Member as _raftdb_v1_Member, Member__Output as _raftdb_v1_Member__Output } from './raftdb/v1/Member.js';
import type { MemberAddRequest as _raftdb_v1_MemberAddRequest, MemberAddRequest__Output as _raftdb_v1_MemberAddRequest__Output } from './raftdb/v1/MemberAddRequest.js';
import type { MemberAddResponse as _raftdb_v1_MemberAddResponse, MemberAddResponse__Output as _raftdb_v1_MemberAddResponse__Output } from './raftdb/v1/MemberAddResponse.js';
import type { MemberListRequest as _raftdb_v1_MemberListRequest, MemberListRequest__Output as _raftdb_v1_MemberListRequest__Output } from './raftdb/v1/MemberListRequest.js';
import type { MemberListResponse as _raftdb_v1_MemberListResponse, MemberListResponse__Output as _raftdb_v1_MemberListResponse__Output } from './raftdb/v1/MemberListResponse.js';
import type { MemberPromoteRequest as _raftdb_v1_MemberPromoteRequest, MemberPromoteRequest__Output as _raftdb_v1_MemberPromoteRequest__Output } from './raftdb/v1/MemberPromoteRequest.js';
import type { MemberPromoteResponse as _raftdb_v1_MemberPromoteResponse, MemberPromoteResponse__Output as _raftdb_v1_MemberPromoteResponse__Output } from './raftdb/v1/MemberPromoteResponse.js';
import type { MemberRemoveRequest as _raftdb_v1_MemberRemoveRequest, MemberRemoveRequest__Output as _raftdb_v1_MemberRemoveRequest__Output } from './raftdb/v1/MemberRemoveRequest.js';
import type { MemberRemoveResponse as _raftdb_v1_MemberRemoveResponse, MemberRemoveResponse__Output as _raftdb_v1_MemberRemoveResponse__Output } from './raftdb/v1/MemberRemoveResponse.js';
import type { OpStatus as _raftdb_v1_OpStatus, OpStatus__Output as _raftdb_v1_OpStatus__Output } from './raftdb/v1/OpStatus.js';
import type { PipelineOp as _raftdb_v1_PipelineOp, PipelineOp__Output as _raftdb_v1_PipelineOp__Output } from './raftdb/v1/PipelineOp.js';
import type { PipelineRequest as _raftdb_v1_PipelineRequest, PipelineRequest__Output as _raftdb_v1_PipelineRequest__Output } from './raftdb/v1/PipelineRequest.js';
import type { PipelineResponse as _raftdb_v1_PipelineResponse, PipelineResponse__Output as _raftdb_v1_PipelineResponse__Output } from './raftdb/v1/PipelineResponse.js';
import type { PipelineResult as _raftdb_v1_PipelineResult, PipelineResult__Output as _raftdb_v1_PipelineResult__Output } from './raftdb/v1/PipelineResult.js';
import type { PutRequest as _raftdb_v1_PutRequest, PutRequest__Output as _raftdb_v1_PutRequest__Output } from './raftdb/v1/PutRequest.js';
import type { PutResponse as _raftdb_v1_PutResponse, PutResponse__Output as _raftdb_v1_PutResponse__Output } from './raftdb/v1/PutResponse.js';
import type { QuorumLossEvent as _raftdb_v1_QuorumLossEvent, QuorumLossEvent__Output as _raftdb_v1_QuorumLossEvent__Output } from './raftdb/v1/QuorumLossEvent.js';
import type { RangeRequest as _raftdb_v1_RangeRequest, RangeRequest__Output as _raftdb_v1_RangeRequest__Output } from './raftdb/v1/RangeRequest.js';
import type { RangeResponse as _raftdb_v1_RangeResponse, RangeResponse__Output as _raftdb_v1_RangeResponse__Output } from './raftdb/v1/RangeResponse.js';
import type { ReportQuorumLossRequest as _raftdb_v1_ReportQuorumLossRequest, ReportQuorumLossRequest__Output as _raftdb_v1_ReportQuorumLossRequest__Output } from './raftdb/v1/ReportQuorumLossRequest.js';
import type { ReportQuorumLossResponse as _raftdb_v1_ReportQuorumLossResponse, ReportQuorumLossResponse__Output as _raftdb_v1_ReportQuorumLossResponse__Output } from './raftdb/v1/ReportQuorumLossResponse.js';
import type { RequestId as _raftdb_v1_RequestId, RequestId__Output as _raftdb_v1_RequestId__Output } from './raftdb/v1/RequestId.js';
import type { RequestOp as _raftdb_v1_RequestOp, RequestOp__Output as _raftdb_v1_RequestOp__Output } from './raftdb/v1/RequestOp.js';
import type { ResponseHeader as _raftdb_v1_ResponseHeader, ResponseHeader__Output as _raftdb_v1_ResponseHeader__Output } from './raftdb/v1/ResponseHeader.js';
import type { ResponseOp as _raftdb_v1_ResponseOp, ResponseOp__Output as _raftdb_v1_ResponseOp__Output } from './raftdb/v1/ResponseOp.js';
import type { SetCommitModeRequest as _raftdb_v1_SetCommitModeRequest, SetCommitModeRequest__Output as _raftdb_v1_SetCommitModeRequest__Output } from './raftdb/v1/SetCommitModeRequest.js';
import type { SetCommitModeResponse as _raftdb_v1_SetCommitModeResponse, SetCommitModeResponse__Output as _raftdb_v1_SetCommitModeResponse__Output } from './raftdb/v1/SetCommitModeResponse.js';
import type { StatusRequest as _raftdb_v1_StatusRequest, StatusRequest__Output as _raftdb_v1_StatusRequest__Output } from './raftdb/v1/StatusRequest.js';
import type { StatusResponse as _raftdb_v1_StatusResponse, StatusResponse__Output as _raftdb_v1_StatusResponse__Output } from './raftdb/v1/StatusResponse.js';
import type { SwitchoverState as _raftdb_v1_SwitchoverState, SwitchoverState__Output as _raftdb_v1_SwitchoverState__Output } from './raftdb/v1/SwitchoverState.js';
import type { TransferLeadershipRequest as _raftdb_v1_TransferLeadershipRequest, TransferLeadershipRequest__Output as _raftdb_v1_TransferLeadershipRequest__Output } from './raftdb/v1/TransferLeadershipRequest.js';
import type { TransferLeadershipResponse as _raftdb_v1_TransferLeadershipResponse, TransferLeadershipResponse__Output as _raftdb_v1_TransferLeadershipResponse__Output } from './raftdb/v1/TransferLeadershipResponse.js';
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
      AlarmActivateRequest: MessageTypeDefinition<_raftdb_v1_AlarmActivateRequest, _raftdb_v1_AlarmActivateRequest__Output>
      AlarmActivateResponse: MessageTypeDefinition<_raftdb_v1_AlarmActivateResponse, _raftdb_v1_AlarmActivateResponse__Output>
      AlarmDisarmRequest: MessageTypeDefinition<_raftdb_v1_AlarmDisarmRequest, _raftdb_v1_AlarmDisarmRequest__Output>
      AlarmDisarmResponse: MessageTypeDefinition<_raftdb_v1_AlarmDisarmResponse, _raftdb_v1_AlarmDisarmResponse__Output>
      AlarmListRequest: MessageTypeDefinition<_raftdb_v1_AlarmListRequest, _raftdb_v1_AlarmListRequest__Output>
      AlarmListResponse: MessageTypeDefinition<_raftdb_v1_AlarmListResponse, _raftdb_v1_AlarmListResponse__Output>
      AlarmMember: MessageTypeDefinition<_raftdb_v1_AlarmMember, _raftdb_v1_AlarmMember__Output>
      Cluster: SubtypeConstructor<typeof grpc.Client, _raftdb_v1_ClusterClient> & { service: _raftdb_v1_ClusterDefinition }
      CommitMode: EnumTypeDefinition
      CompactRequest: MessageTypeDefinition<_raftdb_v1_CompactRequest, _raftdb_v1_CompactRequest__Output>
      CompactResponse: MessageTypeDefinition<_raftdb_v1_CompactResponse, _raftdb_v1_CompactResponse__Output>
      Compare: MessageTypeDefinition<_raftdb_v1_Compare, _raftdb_v1_Compare__Output>
      Consistency: EnumTypeDefinition
      DefragmentRequest: MessageTypeDefinition<_raftdb_v1_DefragmentRequest, _raftdb_v1_DefragmentRequest__Output>
      DefragmentResponse: MessageTypeDefinition<_raftdb_v1_DefragmentResponse, _raftdb_v1_DefragmentResponse__Output>
      DeleteRequest: MessageTypeDefinition<_raftdb_v1_DeleteRequest, _raftdb_v1_DeleteRequest__Output>
      DeleteResponse: MessageTypeDefinition<_raftdb_v1_DeleteResponse, _raftdb_v1_DeleteResponse__Output>
      FailbackRequest: MessageTypeDefinition<_raftdb_v1_FailbackRequest, _raftdb_v1_FailbackRequest__Output>
      FailoverEvent: MessageTypeDefinition<_raftdb_v1_FailoverEvent, _raftdb_v1_FailoverEvent__Output>
      FailoverHistoryRequest: MessageTypeDefinition<_raftdb_v1_FailoverHistoryRequest, _raftdb_v1_FailoverHistoryRequest__Output>
      FailoverHistoryResponse: MessageTypeDefinition<_raftdb_v1_FailoverHistoryResponse, _raftdb_v1_FailoverHistoryResponse__Output>
      FollowerProgress: MessageTypeDefinition<_raftdb_v1_FollowerProgress, _raftdb_v1_FollowerProgress__Output>
      GetRequest: MessageTypeDefinition<_raftdb_v1_GetRequest, _raftdb_v1_GetRequest__Output>
      GetResponse: MessageTypeDefinition<_raftdb_v1_GetResponse, _raftdb_v1_GetResponse__Output>
      KV: SubtypeConstructor<typeof grpc.Client, _raftdb_v1_KVClient> & { service: _raftdb_v1_KVDefinition }
      KeyValue: MessageTypeDefinition<_raftdb_v1_KeyValue, _raftdb_v1_KeyValue__Output>
      Member: MessageTypeDefinition<_raftdb_v1_Member, _raftdb_v1_Member__Output>
      MemberAddRequest: MessageTypeDefinition<_raftdb_v1_MemberAddRequest, _raftdb_v1_MemberAddRequest__Output>
      MemberAddResponse: MessageTypeDefinition<_raftdb_v1_MemberAddResponse, _raftdb_v1_MemberAddResponse__Output>
      MemberListRequest: MessageTypeDefinition<_raftdb_v1_MemberListRequest, _raftdb_v1_MemberListRequest__Output>
      MemberListResponse: MessageTypeDefinition<_raftdb_v1_MemberListResponse, _raftdb_v1_MemberListResponse__Output>
      MemberPromoteRequest: MessageTypeDefinition<_raftdb_v1_MemberPromoteRequest, _raftdb_v1_MemberPromoteRequest__Output>
      MemberPromoteResponse: MessageTypeDefinition<_raftdb_v1_MemberPromoteResponse, _raftdb_v1_MemberPromoteResponse__Output>
      MemberRemoveRequest: MessageTypeDefinition<_raftdb_v1_MemberRemoveRequest, _raftdb_v1_MemberRemoveRequest__Output>
      MemberRemoveResponse: MessageTypeDefinition<_raftdb_v1_MemberRemoveResponse, _raftdb_v1_MemberRemoveResponse__Output>
      OpStatus: MessageTypeDefinition<_raftdb_v1_OpStatus, _raftdb_v1_OpStatus__Output>
      PipelineOp: MessageTypeDefinition<_raftdb_v1_PipelineOp, _raftdb_v1_PipelineOp__Output>
      PipelineRequest: MessageTypeDefinition<_raftdb_v1_PipelineRequest, _raftdb_v1_PipelineRequest__Output>
      PipelineResponse: MessageTypeDefinition<_raftdb_v1_PipelineResponse, _raftdb_v1_PipelineResponse__Output>
      PipelineResult: MessageTypeDefinition<_raftdb_v1_PipelineResult, _raftdb_v1_PipelineResult__Output>
      PutRequest: MessageTypeDefinition<_raftdb_v1_PutRequest, _raftdb_v1_PutRequest__Output>
      PutResponse: MessageTypeDefinition<_raftdb_v1_PutResponse, _raftdb_v1_PutResponse__Output>
      QuorumLossEvent: MessageTypeDefinition<_raftdb_v1_QuorumLossEvent, _raftdb_v1_QuorumLossEvent__Output>
      RangeRequest: MessageTypeDefinition<_raftdb_v1_RangeRequest, _raftdb_v1_RangeRequest__Output>
      RangeResponse: MessageTypeDefinition<_raftdb_v1_RangeResponse, _raftdb_v1_RangeResponse__Output>
      ReportQuorumLossRequest: MessageTypeDefinition<_raftdb_v1_ReportQuorumLossRequest, _raftdb_v1_ReportQuorumLossRequest__Output>
      ReportQuorumLossResponse: MessageTypeDefinition<_raftdb_v1_ReportQuorumLossResponse, _raftdb_v1_ReportQuorumLossResponse__Output>
      RequestId: MessageTypeDefinition<_raftdb_v1_RequestId, _raftdb_v1_RequestId__Output>
      RequestOp: MessageTypeDefinition<_raftdb_v1_RequestOp, _raftdb_v1_RequestOp__Output>
      ResponseHeader: MessageTypeDefinition<_raftdb_v1_ResponseHeader, _raftdb_v1_ResponseHeader__Output>
      ResponseOp: MessageTypeDefinition<_raftdb_v1_ResponseOp, _raftdb_v1_ResponseOp__Output>
      SetCommitModeRequest: MessageTypeDefinition<_raftdb_v1_SetCommitModeRequest, _raftdb_v1_SetCommitModeRequest__Output>
      SetCommitModeResponse: MessageTypeDefinition<_raftdb_v1_SetCommitModeResponse, _raftdb_v1_SetCommitModeResponse__Output>
      StatusRequest: MessageTypeDefinition<_raftdb_v1_StatusRequest, _raftdb_v1_StatusRequest__Output>
      StatusResponse: MessageTypeDefinition<_raftdb_v1_StatusResponse, _raftdb_v1_StatusResponse__Output>
      SwitchoverState: MessageTypeDefinition<_raftdb_v1_SwitchoverState, _raftdb_v1_SwitchoverState__Output>
      TransferLeadershipRequest: MessageTypeDefinition<_raftdb_v1_TransferLeadershipRequest, _raftdb_v1_TransferLeadershipRequest__Output>
      TransferLeadershipResponse: MessageTypeDefinition<_raftdb_v1_TransferLeadershipResponse, _raftdb_v1_TransferLeadershipResponse__Output>
      TxnRequest: MessageTypeDefinition<_raftdb_v1_TxnRequest, _raftdb_v1_TxnRequest__Output>
      TxnResponse: MessageTypeDefinition<_raftdb_v1_TxnResponse, _raftdb_v1_TxnResponse__Output>
      WatchEvent: MessageTypeDefinition<_raftdb_v1_WatchEvent, _raftdb_v1_WatchEvent__Output>
      WatchRequest: MessageTypeDefinition<_raftdb_v1_WatchRequest, _raftdb_v1_WatchRequest__Output>
    }
  }
}

