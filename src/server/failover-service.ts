// The Cluster service's failover methods over gRPC: the adapter between the wire and the
// failover controller (src/failover), which knows nothing of gRPC.
import * as grpc from '@grpc/grpc-js';
import { commitConfigFrom, COMMIT_CONFIG_META, QuorumLossReportError, quorumLossFromWire, readHistory, readQuorumLosses, type FailoverController, type QuorumLossEvent, type SwitchoverState } from '../failover/index.js';
import { commitModeName } from '../common/vocabulary.js';
import { requireRoot } from './access.js';
import { audited } from './audit.js';
import { callerOf } from './caller.js';
import { header, onLeader, unary, withDeadline, type NodeContext } from './context.js';
import { invalidArgument, RequestError } from './errors.js';

function transferResponse(ctx: NodeContext, s: SwitchoverState): object {
  return { header: header(ctx), switchover: s, leader: ctx.driver.raft.leader ?? s.to };
}

/** The Cluster service's failover methods: switchover, failback, commit mode, history. */
export function failoverService(ctx: NodeContext, failover: FailoverController): grpc.UntypedServiceImplementation {
  const asCall = (c: unknown): grpc.ServerUnaryCall<unknown, unknown> => c as grpc.ServerUnaryCall<unknown, unknown>;
  return {
    TransferLeadership: unary<{ to: string; expectedLeader: string; maxLagEntries: number }, object>(ctx, async (call) => {
      const r = call.request;
      return onLeader(ctx, asCall(call), 'cluster', 'TransferLeadership', (deadline) =>
        audited(ctx, asCall(call), 'TransferLeadership', 'admin', { subject: r.to || '(best candidate)' }, async () => {
          await requireRoot(ctx, asCall(call), deadline, 'switchover');
          const s = await failover.switchover.run({ to: r.to || undefined, expectedLeader: r.expectedLeader || undefined, maxLagEntries: r.maxLagEntries, reason: 'switchover' });
          return transferResponse(ctx, s);
        }),
      );
    }),
    Failback: unary<object, object>(ctx, async (call) => {
      const preferred = failover.options.preferredLeader;
      if (!preferred) throw new RequestError(grpc.status.FAILED_PRECONDITION, 'no preferred leader is configured (--preferred-leader)');
      return onLeader(ctx, asCall(call), 'cluster', 'Failback', (deadline) =>
        audited(ctx, asCall(call), 'Failback', 'admin', { subject: preferred }, async () => {
          await requireRoot(ctx, asCall(call), deadline, 'failback');
          if (ctx.driver.raft.id === preferred) throw new RequestError(grpc.status.FAILED_PRECONDITION, `${preferred} already leads`);
          return transferResponse(ctx, await failover.switchover.run({ to: preferred, reason: 'failback' }));
        }),
      );
    }),
    SetCommitMode: unary<{ mode: string; syncPolicy: string; syncTimeoutMs: number; minSyncReplicas: number }, object>(ctx, async (call) => {
      const cfg = commitConfigFrom(call.request, failover.commitConfig());
      return onLeader(ctx, asCall(call), 'cluster', 'SetCommitMode', (deadline) =>
        audited(ctx, asCall(call), 'SetCommitMode', 'admin', { subject: commitModeName(cfg.mode) }, async () => {
          await requireRoot(ctx, asCall(call), deadline, 'mode set');
          await withDeadline(ctx, failover.putMeta(COMMIT_CONFIG_META, cfg), deadline, 'setting the commit mode');
          // A proposer is answered once its entry's result is decided, before the batch is written
          // and before onApplied reloads the config: without this wait the next write, sent right
          // after this answer, could still get the previous mode (a CI failure: strict SYNC acked).
          await withDeadline(ctx, failover.reloadConfig(), deadline, 'setting the commit mode');
          return { header: header(ctx), mode: cfg.mode };
        }),
      );
    }),
    FailoverHistory: unary<{ limit: number }, object>(ctx, async (call) => {
      const getMeta = (n: string): Promise<unknown> => ctx.sm.getMeta(n);
      const events = await readHistory(getMeta, call.request.limit || 0);
      const quorumLosses = await readQuorumLosses(getMeta, call.request.limit || 0);
      return { header: header(ctx), events, quorumLosses };
    }),
    ReportQuorumLoss: unary<{ event: unknown }, object>(ctx, async (call) => {
      const event = checkedReport(call.request.event, ctx.time.wallClock());
      return onLeader(ctx, asCall(call), 'cluster', 'ReportQuorumLoss', (deadline) =>
        audited(ctx, asCall(call), 'ReportQuorumLoss', 'admin', { subject: event.observedBy.join(',') }, async () => {
          if (!ctx.auth.isMemberCertificate(callerOf(asCall(call)).certificate)) await requireRoot(ctx, asCall(call), deadline, 'report quorum loss');
          await withDeadline(ctx, failover.quorumLossRecorder.record(event), deadline, 'recording the quorum loss');
          return { header: header(ctx) };
        }),
      );
    }),
  };
}

function checkedReport(v: unknown, nowMs: number): QuorumLossEvent {
  try {
    return quorumLossFromWire(v, nowMs);
  } catch (err) {
    if (err instanceof QuorumLossReportError) throw invalidArgument(err.field, err.reason);
    throw err;
  }
}
