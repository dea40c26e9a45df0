// LeaderForwarder: which requests take Raft.Forward, what travels with them (the request's own
// protobuf bytes, the caller's identity, the hop count, the time left to the deadline), how the
// leader's answer comes back, and when the unary Forwarder is used instead.
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type { Forwarder } from '../../src/server/forwarder.js';
import { kvMethod, LeaderForwarder } from '../../src/server/peer-forward.js';
import { EncodedResponse, passThroughMethod, plainResponse, requestBytesOf } from '../../src/server/passthrough.js';
import { loadRaftdbProto } from '../../src/proto/load.js';
import { RequestError } from '../../src/server/errors.js';
import { ForwardChannelError, type ForwardCall, type ForwardReply } from '../../src/transport/index.js';

const identity = { token: 'tok', user: 'alice', address: 'ipv4:10.0.0.9:5555' };

function setup(answer: (call: ForwardCall) => Promise<ForwardReply>) {
  const sent: { peer: string; call: ForwardCall }[] = [];
  const unary: string[] = [];
  const fakeUnary = {
    forward: async (address: string, service: string, method: string) => {
      unary.push(`${address} ${service}.${method}`);
      return { via: 'unary' };
    },
    close: () => {},
  } as unknown as Forwarder;
  const f = new LeaderForwarder(
    (peer, call) => {
      sent.push({ peer, call });
      return answer(call);
    },
    fakeUnary,
  );
  return { f, sent, unary };
}

const reply = (r: Partial<ForwardReply>): ForwardReply => ({ id: 1, code: 0, message: '', leaderAddress: '', response: Buffer.alloc(0), readIndex: 0, ...r });

describe('LeaderForwarder', () => {
  it('sends a KV request on the stream as its protobuf bytes, with identity, hops and the time left', async () => {
    const put = { key: Buffer.from('k'), value: Buffer.from('v'), commitMode: 'DEFAULT', id: { clientId: 'c', seq: 3 } };
    const response = kvMethod('Put').responseSerialize({ header: { revision: 42, memberId: 'n1' } });
    const { f, sent, unary } = setup(async () => reply({ response }));
    const res = await f.forward<EncodedResponse>('n1', '127.0.0.1:1', 'kv', 'Put', put, new Date(Date.now() + 3000), 2, identity, 7);
    expect(res).toBeInstanceOf(EncodedResponse);
    expect(plainResponse(res)).toMatchObject({ header: { revision: 42, memberId: 'n1' } });
    expect(unary).toEqual([]);
    const [{ peer, call }] = sent as [{ peer: string; call: ForwardCall }];
    expect(peer).toBe('n1');
    expect(kvMethod('Put').requestDeserialize(Buffer.from(call.request))).toMatchObject({ key: Buffer.from('k'), id: { clientId: 'c', seq: 3 } });
    expect({ hops: call.hops, token: call.token, user: call.user, clientAddress: call.clientAddress, leaderTerm: call.leaderTerm }).toEqual({ hops: 2, token: 'tok', user: 'alice', clientAddress: identity.address, leaderTerm: 7 });
    expect(call.timeoutMs).toBeGreaterThan(2500);
    expect(call.timeoutMs).toBeLessThanOrEqual(3000);
  });

  it("forwards a client's request as the bytes it arrived in, and hands the leader's response bytes back as they are", async () => {
    // What a unary call on the client port decodes: with a field this version does not know
    // (number 99, varint 1). Decoding and encoding again would drop it: only the original bytes keep it.
    const port = passThroughMethod(loadRaftdbProto().KV.service.Put as grpc.MethodDefinition<object, object>, () => true);
    const unknownField = Buffer.from([0x98, 0x06, 0x01]);
    const arrived = Buffer.concat([port.requestSerialize({ key: Buffer.from('k'), value: Buffer.from('v') }), unknownField]);
    const request = port.requestDeserialize(arrived);
    const fromLeader = Buffer.concat([kvMethod('Put').responseSerialize({ header: { revision: 9, memberId: 'n1' } }), unknownField]);
    const { f, sent } = setup(async () => reply({ response: fromLeader }));
    const res = await f.forward<object>('n1', 'a', 'kv', 'Put', request, new Date(Date.now() + 1000), 1);
    expect(Buffer.from(sent[0]!.call.request)).toEqual(arrived);
    // The client port's serializer sends the leader's bytes, unknown field included.
    expect(port.responseSerialize(res)).toEqual(fromLeader);
    expect(plainResponse(res)).toMatchObject({ header: { revision: 9, memberId: 'n1' } });
  });

  it("keeps no bytes while the node would not forward (it leads): such a request is encoded if it must go on after all", async () => {
    const port = passThroughMethod(loadRaftdbProto().KV.service.Put as grpc.MethodDefinition<object, object>, () => false);
    const request = port.requestDeserialize(Buffer.concat([port.requestSerialize({ key: Buffer.from('k') }), Buffer.from([0x98, 0x06, 0x01])]));
    expect(requestBytesOf(request)).toBeNull();
    const { f, sent } = setup(async () => reply({}));
    await f.forward('n1', 'a', 'kv', 'Put', request, new Date(Date.now() + 1000), 1);
    expect(Buffer.from(sent[0]!.call.request)).toEqual(kvMethod('Put').requestSerialize(request));
  });

  it('encodes a request that did not arrive as its own message (a pipeline operation)', async () => {
    const { f, sent } = setup(async () => reply({}));
    await f.forward('n1', 'a', 'kv', 'Put', { key: Buffer.from('p'), value: Buffer.from('q') }, new Date(Date.now() + 1000), 1);
    expect(kvMethod('Put').requestDeserialize(Buffer.from(sent[0]!.call.request))).toMatchObject({ key: Buffer.from('p'), value: Buffer.from('q') });
  });

  it("passes the leader's status on, with its leader address", async () => {
    const { f } = setup(async () => reply({ code: grpc.status.FAILED_PRECONDITION, message: 'n1 is not the leader', leaderAddress: '127.0.0.1:2' }));
    const err = await f.forward('n1', 'a', 'kv', 'Delete', { key: Buffer.from('k') }, new Date(Date.now() + 1000), 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestError);
    expect(err).toMatchObject({ code: grpc.status.FAILED_PRECONDITION, leaderAddress: '127.0.0.1:2' });
  });

  it('returns the confirmed index of a read-index round', async () => {
    const { f } = setup(async () => reply({ readIndex: 77 }));
    expect(await f.forward('n1', 'a', 'kv', 'ReadIndex', {}, new Date(Date.now() + 1000), 1)).toBe(77);
  });

  it('keeps Cluster and Auth requests on unary calls', async () => {
    const { f, sent, unary } = setup(async () => reply({}));
    await f.forward('n1', '127.0.0.1:1', 'cluster', 'Status', {}, new Date(Date.now() + 1000), 1);
    expect(sent).toEqual([]);
    expect(unary).toEqual(['127.0.0.1:1 cluster.Status']);
  });

  it('falls back to a unary call when the leader lacks Raft.Forward, and keeps doing so for that leader', async () => {
    const { f, sent, unary } = setup(async () => {
      throw new ForwardChannelError(grpc.status.UNIMPLEMENTED, 'no Forward', 'no');
    });
    const put = { key: Buffer.from('k'), value: Buffer.from('v') };
    expect(await f.forward('n1', '127.0.0.1:1', 'kv', 'Put', put, new Date(Date.now() + 1000), 1)).toEqual({ via: 'unary' });
    expect(await f.forward('n1', '127.0.0.1:1', 'kv', 'Put', put, new Date(Date.now() + 1000), 1)).toEqual({ via: 'unary' });
    expect(sent).toHaveLength(1);
    expect(unary).toHaveLength(2);
    // A read-index round has no unary equivalent: UNAVAILABLE, so the read is asked again.
    const err = await f.forward('n1', 'a', 'kv', 'ReadIndex', {}, new Date(Date.now() + 1000), 1).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: grpc.status.UNAVAILABLE });
  });

  it('does not resend a request whose outcome is unknown (the stream broke after sending it)', async () => {
    const { f, unary } = setup(async () => {
      throw new ForwardChannelError(grpc.status.UNAVAILABLE, 'stream broke; the outcome is unknown', 'unknown');
    });
    const err = await f.forward('n1', 'a', 'kv', 'Put', { key: Buffer.from('k') }, new Date(Date.now() + 1000), 1).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: grpc.status.UNAVAILABLE });
    expect(unary).toEqual([]);
  });
});
