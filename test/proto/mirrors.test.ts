// The wire shapes still written by hand (the peer transport's messages in src/transport/rpc.ts,
// the client's in src/client/wire.ts) checked against the generated types: a field renamed,
// retyped or removed in a .proto, or added to a peer message, breaks the compile here (tsc
// compiles the tests; `npm test` runs tsc first) instead of surfacing as an undefined at run time.
// Why they are not simply the generated types: each is used on both sides of a call (the
// generated input and output shapes differ: optional vs filled-in fields, Uint8Array vs Buffer),
// and the client's are the subset of fields it reads.
import { describe, expectTypeOf, it } from 'vitest';
import type * as client from '../../src/client/wire.js';
import type * as rpc from '../../src/transport/rpc.js';
import type { Compare } from '../../src/proto/generated/raftdb/v1/Compare.js';
import type { DeleteRequest } from '../../src/proto/generated/raftdb/v1/DeleteRequest.js';
import type { DeleteResponse__Output } from '../../src/proto/generated/raftdb/v1/DeleteResponse.js';
import type { ForwardBatch, ForwardBatch__Output } from '../../src/proto/generated/raftdb/v1/ForwardBatch.js';
import type { ForwardReplies, ForwardReplies__Output } from '../../src/proto/generated/raftdb/v1/ForwardReplies.js';
import type { ForwardReply__Output } from '../../src/proto/generated/raftdb/v1/ForwardReply.js';
import type { ForwardRequest__Output } from '../../src/proto/generated/raftdb/v1/ForwardRequest.js';
import type { GetResponse__Output } from '../../src/proto/generated/raftdb/v1/GetResponse.js';
import type { PutRequest } from '../../src/proto/generated/raftdb/v1/PutRequest.js';
import type { PutResponse__Output } from '../../src/proto/generated/raftdb/v1/PutResponse.js';
import type { RaftBatch, RaftBatch__Output } from '../../src/proto/generated/raftdb/v1/RaftBatch.js';
import type { RangeRequest } from '../../src/proto/generated/raftdb/v1/RangeRequest.js';
import type { RangeResponse__Output } from '../../src/proto/generated/raftdb/v1/RangeResponse.js';
import type { RequestId } from '../../src/proto/generated/raftdb/v1/RequestId.js';
import type { RequestOp } from '../../src/proto/generated/raftdb/v1/RequestOp.js';
import type { ResponseHeader__Output } from '../../src/proto/generated/raftdb/v1/ResponseHeader.js';
import type { ResponseOp__Output } from '../../src/proto/generated/raftdb/v1/ResponseOp.js';
import type { SnapshotAck, SnapshotAck__Output } from '../../src/proto/generated/raftdb/v1/SnapshotAck.js';
import type { SnapshotChunk, SnapshotChunk__Output } from '../../src/proto/generated/raftdb/v1/SnapshotChunk.js';
import type { TxnRequest } from '../../src/proto/generated/raftdb/v1/TxnRequest.js';
import type { TxnResponse__Output } from '../../src/proto/generated/raftdb/v1/TxnResponse.js';
import type { WatchEvent__Output } from '../../src/proto/generated/raftdb/v1/WatchEvent.js';
import type { WatchRequest } from '../../src/proto/generated/raftdb/v1/WatchRequest.js';

describe('hand-written wire shapes match the generated types', () => {
  it('peer messages: what the loader decodes is the hand-written type, field for field', () => {
    expectTypeOf<RaftBatch__Output>().toExtend<rpc.RaftBatch>();
    expectTypeOf<keyof rpc.RaftBatch>().toEqualTypeOf<keyof RaftBatch__Output>();
    expectTypeOf<SnapshotChunk__Output>().toExtend<rpc.SnapshotChunk>();
    expectTypeOf<keyof rpc.SnapshotChunk>().toEqualTypeOf<keyof SnapshotChunk__Output>();
    expectTypeOf<SnapshotAck__Output>().toExtend<rpc.SnapshotAck>();
    expectTypeOf<keyof rpc.SnapshotAck>().toEqualTypeOf<keyof SnapshotAck__Output>();
    expectTypeOf<ForwardRequest__Output>().toExtend<rpc.ForwardRequest>();
    expectTypeOf<keyof rpc.ForwardRequest>().toEqualTypeOf<keyof ForwardRequest__Output>();
    expectTypeOf<ForwardBatch__Output>().toExtend<rpc.ForwardBatch>();
    expectTypeOf<keyof rpc.ForwardBatch>().toEqualTypeOf<keyof ForwardBatch__Output>();
    expectTypeOf<ForwardReply__Output>().toExtend<rpc.ForwardReply>();
    expectTypeOf<keyof rpc.ForwardReply>().toEqualTypeOf<keyof ForwardReply__Output>();
    expectTypeOf<ForwardReplies__Output>().toExtend<rpc.ForwardReplies>();
  });

  it('peer messages: what the transport sends the encoder takes', () => {
    expectTypeOf<rpc.RaftBatch>().toExtend<RaftBatch>();
    expectTypeOf<rpc.SnapshotChunk>().toExtend<SnapshotChunk>();
    expectTypeOf<rpc.SnapshotAck>().toExtend<SnapshotAck>();
    expectTypeOf<rpc.ForwardBatch>().toExtend<ForwardBatch>();
    expectTypeOf<rpc.ForwardReplies>().toExtend<ForwardReplies>();
  });

  it('client requests: what the client sends the encoder takes', () => {
    expectTypeOf<client.WireRequestId>().toExtend<RequestId>();
    expectTypeOf<client.WirePutRequest>().toExtend<PutRequest>();
    expectTypeOf<client.WireDeleteRequest>().toExtend<DeleteRequest>();
    expectTypeOf<client.WireRangeRequest>().toExtend<RangeRequest>();
    expectTypeOf<client.WireCompare>().toExtend<Compare>();
    expectTypeOf<client.WireRequestOp>().toExtend<RequestOp>();
    expectTypeOf<client.WireTxnRequest>().toExtend<TxnRequest>();
    expectTypeOf<client.WireWatchRequest>().toExtend<WatchRequest>();
    // A field the proto no longer has would be dropped by the encoder without a word.
    expectTypeOf<Exclude<keyof client.WirePutRequest, keyof PutRequest>>().toBeNever();
    expectTypeOf<Exclude<keyof client.WireDeleteRequest, keyof DeleteRequest>>().toBeNever();
    expectTypeOf<Exclude<keyof client.WireRangeRequest, keyof RangeRequest>>().toBeNever();
    expectTypeOf<Exclude<keyof client.WireCompare, keyof Compare>>().toBeNever();
    expectTypeOf<Exclude<keyof client.WireTxnRequest, keyof TxnRequest>>().toBeNever();
    expectTypeOf<Exclude<keyof client.WireWatchRequest, keyof WatchRequest>>().toBeNever();
  });

  it('client responses: what the loader decodes is what the client reads', () => {
    expectTypeOf<ResponseHeader__Output>().toExtend<client.WireHeader>();
    expectTypeOf<GetResponse__Output>().toExtend<client.WireGetResponse>();
    expectTypeOf<PutResponse__Output>().toExtend<client.WirePutResponse>();
    expectTypeOf<DeleteResponse__Output>().toExtend<client.WireDeleteResponse>();
    expectTypeOf<RangeResponse__Output>().toExtend<client.WireRangeResponse>();
    expectTypeOf<ResponseOp__Output>().toExtend<client.WireResponseOp>();
    expectTypeOf<TxnResponse__Output>().toExtend<client.WireTxnResponse>();
    expectTypeOf<WatchEvent__Output>().toExtend<client.WireWatchEvent>();
  });
});
