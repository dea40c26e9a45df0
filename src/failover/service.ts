import * as grpc from '@grpc/grpc-js';
import { header, onLeader, unary, withDeadline, type NodeContext } from '../server/context.js';
import { RequestError } from '../server/errors.js';
import { requireRoot } from '../server/access.js';
import { audited } from '../server/audit.js';
import { commitConfigFrom, COMMIT_CONFIG_META, type CommitConfig, type FailoverOptions } from './config.js';
import { readHistory } from './history.js';
import type { Switchover, SwitchoverState } from './switchover.js';

export interface FailoverServiceDeps {
  ctx: NodeContext;
  switchover: Switchover;
  options: FailoverOptions;
  config: () => CommitConfig;
  putMeta(name: string, value: unknown): Promise<void>;
  /** Resolves once the commit configuration in the applied state is the one writes get. */
  reloadConfig(): Promise<void>;
}

function transferResponse(ctx: NodeContext, s: SwitchoverState): object {
  return { header: header(ctx), switchover: s, leader: ctx.driver.raft.leader ?? s.to };
}

/** The Cluster service's failover methods: switchover, failback, commit mode, history. */
export function failoverService(d: FailoverServiceDeps): grpc.UntypedServiceImplementation {
  const { ctx } = d;
  const asCall = (c: unknown): grpc.ServerUnaryCall<unknown, unknown> => c as grpc.ServerUnaryCall<unknown, unknown>;
  return {
    TransferLeadership: unary<{ to: string; expectedLeader: string; maxLagEntries: number }, object>(ctx, async (call) => {
      const r = call.request;
      return onLeader(ctx, asCall(call), 'cluster', 'TransferLeadership', (deadline) =>
        audited(ctx, asCall(call), 'TransferLeadership', 'admin', { subject: r.to || '(best candidate)' }, async () => {
          await requireRoot(ctx, asCall(call), deadline, 'switchover');
          const s = await d.switchover.run({ to: r.to || undefined, expectedLeader: r.expectedLeader || undefined, maxLagEntries: r.maxLagEntries, reason: 'switchover' });
          return transferResponse(ctx, s);
        }),
      );
    }),
    Failback: unary<object, object>(ctx, async (call) => {
      const preferred = d.options.preferredLeader;
      if (!preferred) throw new RequestError(grpc.status.FAILED_PRECONDITION, 'no preferred leader is configured (--preferred-leader)');
      return onLeader(ctx, asCall(call), 'cluster', 'Failback', (deadline) =>
        audited(ctx, asCall(call), 'Failback', 'admin', { subject: preferred }, async () => {
          await requireRoot(ctx, asCall(call), deadline, 'failback');
          if (ctx.driver.raft.id === preferred) throw new RequestError(grpc.status.FAILED_PRECONDITION, `${preferred} already leads`);
          return transferResponse(ctx, await d.switchover.run({ to: preferred, reason: 'failback' }));
        }),
      );
    }),
    SetCommitMode: unary<{ mode: string; syncPolicy: string; syncTimeoutMs: number; minSyncReplicas: number }, object>(ctx, async (call) => {
      const cfg = commitConfigFrom(call.request, d.config());
      return onLeader(ctx, asCall(call), 'cluster', 'SetCommitMode', (deadline) =>
        audited(ctx, asCall(call), 'SetCommitMode', 'admin', { subject: cfg.mode }, async () => {
          await requireRoot(ctx, asCall(call), deadline, 'mode set');
          await withDeadline(d.putMeta(COMMIT_CONFIG_META, cfg), deadline, 'setting the commit mode');
          // A proposer is answered once its entry's result is decided, before the batch is written
          // and before onApplied reloads the config: without this wait the next write, sent right
          // after this answer, could still get the previous mode (a CI failure: strict SYNC acked).
          await withDeadline(d.reloadConfig(), deadline, 'setting the commit mode');
          return { header: header(ctx), mode: cfg.mode };
        }),
      );
    }),
    FailoverHistory: unary<{ limit: number }, object>(ctx, async (call) => {
      const events = await readHistory((n) => ctx.sm.getMeta(n), call.request.limit || 0);
      return { header: header(ctx), events };
    }),
  };
}
