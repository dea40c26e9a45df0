// Original file: proto/raftdb/v1/raft.proto

import type { Long } from '@grpc/proto-loader';

export interface ForwardReply {
  'id'?: (number | string | Long);
  'code'?: (number);
  'message'?: (string);
  'leaderAddress'?: (string);
  'response'?: (Buffer | Uint8Array | string);
  'readIndex'?: (number | string | Long);
  'retryAfterMs'?: (number);
}

export interface ForwardReply__Output {
  'id': (number);
  'code': (number);
  'message': (string);
  'leaderAddress': (string);
  'response': (Buffer);
  'readIndex': (number);
  'retryAfterMs': (number);
}
