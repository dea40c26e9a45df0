// Original file: proto/raftdb/v1/raft.proto

import type { Long } from '@grpc/proto-loader';

export interface ForwardRequest {
  'id'?: (number | string | Long);
  'method'?: (string);
  'request'?: (Buffer | Uint8Array | string);
  'timeoutMs'?: (number);
  'hops'?: (number);
  'token'?: (string);
  'user'?: (string);
  'clientAddress'?: (string);
  'leaderTerm'?: (number | string | Long);
}

export interface ForwardRequest__Output {
  'id': (number);
  'method': (string);
  'request': (Buffer);
  'timeoutMs': (number);
  'hops': (number);
  'token': (string);
  'user': (string);
  'clientAddress': (string);
  'leaderTerm': (number);
}
