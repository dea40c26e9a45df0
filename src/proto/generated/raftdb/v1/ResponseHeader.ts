// Original file: proto/raftdb/v1/kv.proto

import type { Long } from '@grpc/proto-loader';

export interface ResponseHeader {
  'memberId'?: (string);
  'raftTerm'?: (number | string | Long);
  'revision'?: (number | string | Long);
  'appliedIndex'?: (number | string | Long);
  'leaderAddress'?: (string);
}

export interface ResponseHeader__Output {
  'memberId': (string);
  'raftTerm': (number);
  'revision': (number);
  'appliedIndex': (number);
  'leaderAddress': (string);
}
