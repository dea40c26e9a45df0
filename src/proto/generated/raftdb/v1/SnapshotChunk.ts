// Original file: proto/raftdb/v1/raft.proto


export interface SnapshotChunk {
  'message'?: (Buffer | Uint8Array | string);
  'from'?: (string);
  'clusterId'?: (string);
  'data'?: (Buffer | Uint8Array | string);
  'last'?: (boolean);
}

export interface SnapshotChunk__Output {
  'message': (Buffer);
  'from': (string);
  'clusterId': (string);
  'data': (Buffer);
  'last': (boolean);
}
