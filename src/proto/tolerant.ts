// Requests whose bytes do not decode. grpc-js answers a request its deserializer cannot decode
// with INTERNAL ("Error deserializing request"), which reads as a server fault and tells a
// client's author nothing. Services decode through tolerant() instead: an undecodable message
// reaches the handler as a marker, which the handler refuses with INVALID_ARGUMENT saying what
// was expected (the client services in src/server/decode.ts, the peer service in src/transport).
import type * as grpc from '@grpc/grpc-js';

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

/** Why `request` could not be decoded, when it is the marker of an undecodable message; else null. */
export function undecodable(request: unknown): string | null {
  return typeof request === 'object' && request !== null && UNDECODABLE in request ? (request as Undecodable)[UNDECODABLE] : null;
}
