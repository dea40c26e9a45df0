// The failover controller's ports (src/failover/ports.ts), built from a gRPC node's context: the
// driver's core and operations, the state machine's records, the switchover gate, and another
// member's Status over this node's forwarder.
import type { FailoverPorts } from '../failover/index.js';
import type { NodeContext } from './context.js';

/** The ports through which the failover controller reaches this node. */
export function failoverPorts(ctx: NodeContext): FailoverPorts {
  const { driver } = ctx;
  return {
    id: ctx.id,
    clock: ctx.time.clock,
    wallClock: ctx.time.wallClock,
    timers: ctx.time.timers,
    electionTimeoutMs: ctx.electionTimeoutMs,
    raft: driver.raft,
    driver: {
      propose: (data) => driver.propose(data),
      // Through the driver's guard, like every core input: the Ready loop sends the TimeoutNow.
      transferLeadership: (to) => driver.guard(() => driver.raft.transferLeadership(to)),
      applied: () => driver.applied(),
      appliedIndex: () => driver.appliedIndex(),
      readBarrier: (lease) => driver.readBarrier(lease),
    },
    getMeta: (name) => ctx.sm.getMeta(name),
    holdRequests: () => ctx.gate.hold(),
    peers: {
      address: (id) => ctx.members.address(id),
      status: (address, deadline) => ctx.forwarder.forward(address, 'cluster', 'Status', {}, deadline),
      reportQuorumLoss: async (address, event, deadline) => {
        await ctx.forwarder.forward(address, 'cluster', 'ReportQuorumLoss', { event }, deadline);
      },
    },
  };
}
