// Original file: proto/raftdb/v1/kv.proto

import type { PipelineResult as _raftdb_v1_PipelineResult, PipelineResult__Output as _raftdb_v1_PipelineResult__Output } from '../../raftdb/v1/PipelineResult.js';

export interface PipelineResponse {
  'results'?: (_raftdb_v1_PipelineResult)[];
}

export interface PipelineResponse__Output {
  'results': (_raftdb_v1_PipelineResult__Output)[];
}
