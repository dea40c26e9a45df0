// Network faults inside one container, applied from the host: `nsenter -t PID -n` enters only the
// container's network namespace, so the host's own iptables and tc binaries act on the
// container's interfaces and the image needs neither (it has no iptables build; see
// deploy/README.md). Needs root on the host, and `iptables` and `iproute2` installed there
// (scripts/docker-engine.sh installs them).
//
// This is the product's copy for `raftdb drill --backend docker` (src/ must not import test/);
// test/chaos/netns.ts has the same API and can re-export this module.
import { execFile } from 'node:child_process';

/** The chain our rules live in, jumped to first from INPUT, so flushing it leaves Docker's rules alone. */
const CHAIN = 'RAFTDB_CHAOS';
const COMMAND_TIMEOUT_MS = 10_000;

/** A fault this kernel cannot produce (say, netem delay without the sch_netem module). */
export class NemesisUnsupportedError extends Error {
  override name = 'NemesisUnsupportedError';
}

/** What one node's namespace should drop: every packet from these IPs, and a random share of the rest. */
export interface InboundFaults {
  dropFromIps: readonly string[];
  /** 0..100; emulates `netem loss` on kernels without netem (inbound only). */
  lossPercent: number;
}

/** Runs `sh -c script` with host binaries inside the network namespace of process `pid`. */
export function inNetns(pid: number, script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('nsenter', ['-t', String(pid), '-n', 'sh', '-c', script], { timeout: COMMAND_TIMEOUT_MS }, (err, stdout, stderr) => {
      if (err) reject(new Error(`nsenter -t ${pid} -n: ${script}\n${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

/** Replaces the inbound fault rules of one namespace (idempotent; empty faults = healed). */
export async function applyInboundFaults(pid: number, faults: InboundFaults): Promise<void> {
  const lines = [
    `iptables -w -N ${CHAIN} 2>/dev/null || true`,
    `iptables -w -C INPUT -j ${CHAIN} 2>/dev/null || iptables -w -I INPUT 1 -j ${CHAIN}`,
    `iptables -w -F ${CHAIN}`,
    ...faults.dropFromIps.map((ip) => `iptables -w -A ${CHAIN} -s ${ip} -j DROP`),
  ];
  if (faults.lossPercent > 0) {
    const p = Math.min(faults.lossPercent, 100) / 100;
    lines.push(`iptables -w -A ${CHAIN} -m statistic --mode random --probability ${p.toFixed(4)} -j DROP`);
  }
  await inNetns(pid, lines.join(' && '));
}

/** The interface that carries `ip` in the namespace of `pid` (eth0 unless the container has several). */
export async function interfaceOf(pid: number, ip: string): Promise<string> {
  const out = await inNetns(pid, 'ip -o -4 addr show');
  for (const line of out.split('\n')) {
    const m = /^\d+:\s+(\S+)\s+inet\s+([\d.]+)\//.exec(line);
    if (m && m[2] === ip) return m[1]!;
  }
  throw new Error(`no interface with ${ip} in the namespace of pid ${pid}:\n${out}`);
}

/**
 * Puts `tc netem` (e.g. 'delay 50ms 10ms loss 5%') on the egress of `dev`. Throws
 * NemesisUnsupportedError when the kernel has no netem (like this CI's): callers may then fall
 * back to iptables for loss; delay has no fallback.
 */
export async function setNetem(pid: number, dev: string, spec: string): Promise<void> {
  if (!/^[\w.% ]+$/.test(spec)) throw new Error(`netem spec "${spec}" has unexpected characters`);
  try {
    await inNetns(pid, `tc qdisc replace dev ${dev} root netem ${spec}`);
  } catch (e) {
    const msg = (e as Error).message;
    if (/qdisc kind is unknown|No such file or directory/.test(msg)) {
      throw new NemesisUnsupportedError(`this kernel has no sch_netem, cannot apply "netem ${spec}": ${msg}`);
    }
    throw e;
  }
}

/** Removes any root qdisc set by setNetem (no error when there is none). */
export async function clearNetem(pid: number, dev: string): Promise<void> {
  await inNetns(pid, `tc qdisc del dev ${dev} root 2>/dev/null || true`);
}

/** Parses the loss share of a netem spec ('loss 5%' -> 5); null when the spec asks for more than loss. */
export function lossOnly(spec: string): number | null {
  const m = /^\s*loss\s+(\d+(?:\.\d+)?)%\s*$/.exec(spec);
  return m ? Number(m[1]) : null;
}
