// What the process and the Docker drill tests share: progress lines, what a passing drill is, and
// what a cluster running with TLS and auth looks like to its clients.
import { expect } from 'vitest';
import { connect, RaftdbError } from '../../src/client/index.js';
import { accessOptions, formatReport, WORKLOAD_PREFIX, type DrillCluster, type DrillReport } from '../../src/drill/index.js';

/** Progress lines prefixed with the seconds since the drill began. */
export function drillLog(prefix: string): (line: string) => void {
  const t0 = Date.now();
  return (line) => console.log(`[${prefix} ${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}`);
}

/** Prints the report, and fails with it unless the drill passed with something checked. */
export function expectPass(report: DrillReport): void {
  console.log(formatReport(report));
  expect(report.problems, formatReport(report)).toEqual([]);
  expect(report.linearizable).toBe(true);
  expect(report.lostWrites.lost).toBe(0);
  expect(report.lostWrites.checked).toBeGreaterThan(0);
  expect(report.operations.total.ok).toBeGreaterThan(100);
}

/**
 * Proves a drill cluster runs with TLS and auth on, as its clients see it: plaintext is refused,
 * TLS without credentials is UNAUTHENTICATED, the workload's user may write its prefix only and
 * administer nothing, and root (by its client certificate) sees auth enabled.
 */
export async function expectSecured(cluster: DrillCluster): Promise<void> {
  const access = cluster.access;
  expect(access, 'the cluster runs with TLS and auth').not.toBeNull();
  const endpoints = cluster.endpoints();
  const opts = { endpoints, addressMap: cluster.addressMap, timeoutMs: 5000, retry: { maxAttempts: 2 } };
  const plain = connect({ ...opts, endpoints: [endpoints[0]!], retry: { maxAttempts: 1 }, timeoutMs: 2000 });
  const anonymous = connect({ ...opts, ...accessOptions(access, 'probe') });
  const workload = connect({ ...opts, ...accessOptions(access, 'workload') });
  const admin = connect({ ...opts, ...accessOptions(access, 'admin') });
  const code = (p: Promise<unknown>): Promise<string> => p.then(() => 'OK', (e: unknown) => (e instanceof RaftdbError ? e.code : String(e)));
  try {
    expect(await code(plain.cluster.status({ endpoint: endpoints[0]! }))).not.toBe('OK');
    expect((await anonymous.cluster.status({ endpoint: endpoints[0]! })).id).toBe(cluster.nodes()[0]);
    expect(await code(anonymous.put(`${WORKLOAD_PREFIX}secured`, 'x'))).toBe('UNAUTHENTICATED');
    expect(await code(workload.put(`${WORKLOAD_PREFIX}secured`, 'x'))).toBe('OK');
    expect(await code(workload.put('outside-the-prefix', 'x'))).toBe('PERMISSION_DENIED');
    expect(await code(workload.auth.userList())).toBe('PERMISSION_DENIED');
    expect((await admin.auth.status()).enabled).toBe(true);
    expect(await code(admin.auth.userList())).toBe('OK');
  } finally {
    for (const c of [plain, anonymous, workload, admin]) c.close();
  }
}
