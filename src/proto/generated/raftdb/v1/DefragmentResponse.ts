// Original file: proto/raftdb/v1/cluster.proto

import type { ResponseHeader as _raftdb_v1_ResponseHeader, ResponseHeader__Output as _raftdb_v1_ResponseHeader__Output } from '../../raftdb/v1/ResponseHeader.js';
import type { Long } from '@grpc/proto-loader';

export interface DefragmentResponse {
  'header'?: (_raftdb_v1_ResponseHeader | null);
  'backendBytesBefore'?: (number | string | Long);
  'backendBytesAfter'?: (number | string | Long);
}

export interface DefragmentResponse__Output {
  'header': (_raftdb_v1_ResponseHeader__Output | null);
  'backendBytesBefore': (number);
  'backendBytesAfter': (number);
}
