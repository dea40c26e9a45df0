// Listening ports for node processes that must keep their port across restarts. Ports the kernel
// hands out for "port 0" come from the ephemeral range, which outgoing connections (clients,
// peers, other processes) also use: such a port can be taken by a connection's local end
// between a node's kill and its restart, and the restarted node dies with EADDRINUSE (a drill
// of 5 processes did, in CI). So ports are drawn at random below the ephemeral range, and
// checked free by binding them.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const LOWEST_PORT = 10_000;
const MAX_TRIES = 500;

/** The first port of the kernel's ephemeral range (Linux), or 32768. */
export function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

/** Whether 127.0.0.1:`port` can be listened on now. */
export function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** `count` distinct ports the kernel hands out now (in its ephemeral range). */
export async function ephemeralPorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((ok, fail) => {
      const s = createServer().once('error', fail);
      s.listen(0, '127.0.0.1', () => ok(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/**
 * `count` distinct ports on 127.0.0.1, free right now, below the ephemeral range when it leaves
 * room (else, or when too few are found there, ephemeral ones).
 */
export async function listenPorts(count: number): Promise<number[]> {
  const high = ephemeralLow();
  if (high - LOWEST_PORT < 1000) return ephemeralPorts(count);
  const ports = new Set<number>();
  for (let i = 0; i < MAX_TRIES && ports.size < count; i++) {
    const p = LOWEST_PORT + Math.floor(Math.random() * (high - LOWEST_PORT));
    if (!ports.has(p) && (await canBind(p))) ports.add(p);
  }
  return ports.size === count ? [...ports] : ephemeralPorts(count);
}

/** The first of `n` consecutive ports that are free now, below the ephemeral range. */
export async function consecutiveListenPorts(n: number): Promise<number> {
  const high = Math.max(ephemeralLow(), LOWEST_PORT + 1000);
  for (let i = 0; i < MAX_TRIES; i++) {
    const base = LOWEST_PORT + Math.floor(Math.random() * (high - LOWEST_PORT - n));
    let all = true;
    for (let p = base; p < base + n && all; p++) all = await canBind(p);
    if (all) return base;
  }
  throw new Error(`no ${n} consecutive free ports`);
}
