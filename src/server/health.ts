import * as grpc from '@grpc/grpc-js';
import { loadHealthProto } from '../proto/load.js';

/**
 * grpc.health.v1 on the client port. SERVING means the node is part of a cluster that has a
 * leader (the overall service "" and "raftdb.v1.KV"); Watch sends the status when it changes.
 */
export function healthService(server: grpc.Server, serving: () => boolean): void {
  const status = (service: string): string | null =>
    service === '' || service === 'raftdb.v1.KV' || service === 'raftdb.v1.Cluster' ? (serving() ? 'SERVING' : 'NOT_SERVING') : null;
  server.addService(loadHealthProto().service, {
    Check: (call: grpc.ServerUnaryCall<{ service: string }, object>, cb: grpc.sendUnaryData<object>) => {
      const s = status(call.request.service);
      if (!s) cb({ code: grpc.status.NOT_FOUND, details: `unknown service ${call.request.service}` });
      else cb(null, { status: s });
    },
    Watch: (call: grpc.ServerWritableStream<{ service: string }, object>) => {
      let last = '';
      const push = (): void => {
        const s = status(call.request.service) ?? 'SERVICE_UNKNOWN';
        if (s !== last) call.write({ status: s });
        last = s;
      };
      push();
      const timer = setInterval(push, 100);
      call.on('cancelled', () => clearInterval(timer));
      call.on('close', () => clearInterval(timer));
    },
  });
}
