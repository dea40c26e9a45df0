// Original file: proto/raftdb/v1/raft.proto

import type { ForwardRequest as _raftdb_v1_ForwardRequest, ForwardRequest__Output as _raftdb_v1_ForwardRequest__Output } from '../../raftdb/v1/ForwardRequest.js';

export interface ForwardBatch {
  'from'?: (string);
  'clusterId'?: (string);
  'requests'?: (_raftdb_v1_ForwardRequest)[];
}

export interface ForwardBatch__Output {
  'from': (string);
  'clusterId': (string);
  'requests': (_raftdb_v1_ForwardRequest__Output)[];
}
