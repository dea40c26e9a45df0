// Original file: proto/raftdb/v1/kv.proto

import type { ResponseHeader as _raftdb_v1_ResponseHeader, ResponseHeader__Output as _raftdb_v1_ResponseHeader__Output } from '../../raftdb/v1/ResponseHeader.js';
import type { Long } from '@grpc/proto-loader';

export interface GetResponse {
  'found'?: (boolean);
  'value'?: (Buffer | Uint8Array | string);
  'modRevision'?: (number | string | Long);
  'version'?: (number | string | Long);
  'header'?: (_raftdb_v1_ResponseHeader | null);
  'createRevision'?: (number | string | Long);
}

export interface GetResponse__Output {
  'found': (boolean);
  'value': (Buffer);
  'modRevision': (number);
  'version': (number);
  'header': (_raftdb_v1_ResponseHeader__Output | null);
  'createRevision': (number);
}
