// Original file: proto/raftdb/v1/auth.proto


// Original file: proto/raftdb/v1/auth.proto

export const _raftdb_v1_Permission_Type = {
  READ: 'READ',
  WRITE: 'WRITE',
  READWRITE: 'READWRITE',
} as const;

export type _raftdb_v1_Permission_Type =
  | 'READ'
  | 0
  | 'WRITE'
  | 1
  | 'READWRITE'
  | 2

export type _raftdb_v1_Permission_Type__Output = typeof _raftdb_v1_Permission_Type[keyof typeof _raftdb_v1_Permission_Type]

export interface Permission {
  'type'?: (_raftdb_v1_Permission_Type);
  'key'?: (Buffer | Uint8Array | string);
  'rangeEnd'?: (Buffer | Uint8Array | string);
}

export interface Permission__Output {
  'type': (_raftdb_v1_Permission_Type__Output);
  'key': (Buffer);
  'rangeEnd': (Buffer);
}
