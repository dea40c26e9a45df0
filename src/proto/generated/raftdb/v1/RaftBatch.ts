// Original file: proto/raftdb/v1/raft.proto


export interface RaftBatch {
  'from'?: (string);
  'clusterId'?: (string);
  'messages'?: (Buffer | Uint8Array | string)[];
}

export interface RaftBatch__Output {
  'from': (string);
  'clusterId': (string);
  'messages': (Buffer)[];
}
