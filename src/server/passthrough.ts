// Forwarding without re-encoding. A follower that passes a client's KV request on to the leader
// sends the request's protobuf bytes as they arrived (the follower decodes them too, to check
// the request and in case it turns out to be the leader, but never encodes them again), and
// hands the leader's encoded response to the client as it came back, instead of decoding it
// and letting grpc-js encode the same message again. Both were a protobuf encode or decode of
// every forwarded request on the follower (proto-loader's fromObject/toObject included), on the
// path whose cost the performance issue measures (docs/performance.md).
import type * as grpc from '@grpc/grpc-js';
import { undecodable } from '../proto/tolerant.js';

/** The bytes each unary request was decoded from (kept only as long as the request object lives). */
const requestBytes = new WeakMap<object, Buffer>();

/** A response already encoded by the node that produced it (the leader), passed on as it is. */
export class EncodedResponse {
  constructor(
    readonly bytes: Buffer,
    private readonly deserialize: (bytes: Buffer) => object,
  ) {}

  /** The decoded message, for a consumer that needs the object (a pipeline's result). */
  decode(): object {
    return this.deserialize(this.bytes);
  }
}

/** The protobuf bytes `request` was decoded from by a passThrough() service; null for any other object. */
export function requestBytesOf(request: unknown): Buffer | null {
  return typeof request === 'object' && request !== null ? (requestBytes.get(request) ?? null) : null;
}

/** `res` as a plain response object (an EncodedResponse decoded). */
export function plainResponse(res: object): object {
  return res instanceof EncodedResponse ? res.decode() : res;
}

/**
 * The service with each unary method's request bytes remembered (requestBytesOf) while
 * `keepBytes()` says so, and EncodedResponse results sent as they are; streaming methods are left
 * as they were. Put it around tolerant(): an undecodable request has no bytes worth keeping.
 */
export function passThrough(service: grpc.ServiceDefinition, keepBytes: () => boolean): grpc.ServiceDefinition {
  const out: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [name, method] of Object.entries(service) as [string, grpc.MethodDefinition<unknown, unknown>][]) {
    out[name] = method.requestStream || method.responseStream ? method : passThroughMethod(method, keepBytes);
  }
  return out as grpc.ServiceDefinition;
}

/**
 * One unary method with encoded responses passed through, and its request bytes remembered while
 * `keepBytes()` says so: a node only needs them when it will forward the request (it is not the
 * leader), and a WeakMap entry per request cost a leader about as much as decoding the request.
 */
export function passThroughMethod<Req, Res>(method: grpc.MethodDefinition<Req, Res>, keepBytes: () => boolean): grpc.MethodDefinition<Req, Res> {
  const decode = method.requestDeserialize;
  const encode = method.responseSerialize;
  return {
    ...method,
    requestDeserialize: (bytes: Buffer): Req => {
      const request = decode(bytes);
      if (keepBytes() && typeof request === 'object' && request !== null && undecodable(request) === null) requestBytes.set(request, bytes);
      return request;
    },
    responseSerialize: (value: Res): Buffer => (value instanceof EncodedResponse ? value.bytes : encode(value)),
  };
}
