// Original file: proto/raftdb/v1/kv.proto

import type { PipelineOp as _raftdb_v1_PipelineOp, PipelineOp__Output as _raftdb_v1_PipelineOp__Output } from '../../raftdb/v1/PipelineOp.js';

export interface PipelineRequest {
  'ops'?: (_raftdb_v1_PipelineOp)[];
}

export interface PipelineRequest__Output {
  'ops': (_raftdb_v1_PipelineOp__Output)[];
}
