// The unary forwarder's twin: a member's calls on another member's client port (a switchover's
// Status probes, a quorum-loss report, an alarm, a Cluster or Auth request passed to the leader)
// run that member's real service handlers, over the simulated network. The real Forwarder would
// open gRPC channels to the simulation's made-up addresses.
import * as grpc from '@grpc/grpc-js';
import { authService } from '../../src/server/auth-service.js';
import { clusterService } from '../../src/server/cluster-service.js';
import { failoverService } from '../../src/server/failover-service.js';
import { forwardMetadata, type UnaryForwarder } from '../../src/server/forwarder.js';
import type { IncomingCall } from '../../src/server/context.js';
import type { KvMethod } from '../../src/server/kv-service.js';
import { plainResponse } from '../../src/server/passthrough.js';
import type { ForwardedIdentity } from '../../src/server/caller.js';
import type { SimMember } from './member.js';
import type { MemberClock } from './member-clock.js';
import type { SimNetwork } from './network.js';

/** The forwarder of member `self`: addresses are `sim:<id>`. */
export function simForwarder(self: string, net: SimNetwork, members: () => readonly SimMember[]): UnaryForwarder {
  return {
    forward: <T>(address: string, service: 'kv' | 'cluster' | 'auth', method: string, request: unknown, deadline: Date, hops = 1, identity?: ForwardedIdentity, leaderTerm = 0): Promise<T> => {
      const id = address.replace(/^sim:/, '');
      const metadata = forwardMetadata(hops, identity, leaderTerm);
      // `deadline` is on the caller's wall clock; the timeout crosses the network and the callee
      // reads it on its own (either may have jumped).
      const clockOf = (member: string): MemberClock | undefined => members().find((m) => m.config.id === member)?.clock;
      const timeoutMs = Math.max(1, deadline.getTime() - (clockOf(self)?.wallClock() ?? Date.now()));
      const runDeadline = new Date(Date.now() + timeoutMs);
      const call = { request, metadata, getDeadline: () => clockOf(id)?.toLocal(runDeadline) ?? runDeadline, getPeer: () => `sim:${self}`, cancelled: false };
      return net.call(`forwarder:${self}`, id, timeoutMs, async () => {
        const core = members().find((m) => m.config.id === id)?.core;
        if (!core) throw Object.assign(new Error(`${id} is down`), { code: grpc.status.UNAVAILABLE });
        if (service === 'kv') return plainResponse(await core.kv[method as KvMethod](call as unknown as IncomingCall<never>)) as T;
        const handlers: grpc.UntypedServiceImplementation =
          service === 'cluster' ? { ...clusterService(core.ctx), ...failoverService(core.ctx, core.failover) } : authService(core.ctx);
        const handler = handlers[method] as grpc.handleUnaryCall<unknown, unknown> | undefined;
        if (!handler) throw Object.assign(new Error(`no method ${method}`), { code: grpc.status.UNIMPLEMENTED });
        return new Promise<T>((resolve, reject) => {
          handler(call as unknown as grpc.ServerUnaryCall<unknown, unknown>, (err, res) => (err ? reject(err) : resolve(res as T)));
        });
      });
    },
    close: () => {},
  };
}
