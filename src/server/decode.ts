// Requests whose bytes do not decode. grpc-js answers a request its deserializer cannot decode
// with INTERNAL ("Error deserializing request"), which tells a client's author nothing and reads
// as a server fault. The node's services decode through tolerant() instead: an undecodable
// request reaches the handler as a marker, and the handler answers INVALID_ARGUMENT saying what
// was expected.
import * as grpc from '@grpc/grpc-js';
import { RequestError } from './errors.js';

const UNDECODABLE = Symbol('undecodable request');

interface Undecodable {
  [UNDECODABLE]: string;
}

/** The service with every request deserializer made tolerant (see the file comment). */
export function tolerant(service: grpc.ServiceDefinition): grpc.ServiceDefinition {
  const out: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [name, method] of Object.entries(service)) {
    const decode = method.requestDeserialize;
    const type = method.path.split('/').pop() ?? name;
    out[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer): unknown => {
        try {
          return decode(bytes);
        } catch (err) {
          return { [UNDECODABLE]: `the ${type} request is not a valid protobuf message: ${(err as Error).message}` } satisfies Undecodable;
        }
      },
    };
  }
  return out as grpc.ServiceDefinition;
}

/** Throws INVALID_ARGUMENT when `request` is the marker of an undecodable message. */
export function checkDecoded(request: unknown): void {
  if (typeof request === 'object' && request !== null && UNDECODABLE in request) {
    throw new RequestError(grpc.status.INVALID_ARGUMENT, (request as Undecodable)[UNDECODABLE]);
  }
}
