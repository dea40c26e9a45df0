// The gRPC port's listening sockets, owned by the node rather than by grpc-js (connection-gate.ts
// says why): each accepted connection is shown to the gate, then handed to grpc-js. Like grpc-js's
// bindAsync, a host name listens on every address it resolves to (at least one must bind), an
// IP literal or a wildcard on itself, and port 0 picks one free port shared by all of them.
import { lookup } from 'node:dns/promises';
import { createServer, isIP, type Server, type Socket } from 'node:net';

/** The bound sockets of one host:port. */
export interface Listening {
  readonly port: number;
  /** Stops accepting; open connections are left to their owner (grpc-js closes them). */
  close(): void;
}

/** Splits host:port ([v6]:port allowed); throws on anything else. */
export function splitHostPort(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(address);
  const port = Number(m?.[3]);
  if (!m || !Number.isInteger(port) || port > 65535) throw new Error(`listen address "${address}" is not host:port`);
  return { host: m[1] ?? m[2] ?? '', port };
}

/** The addresses `host` listens on: itself when an IP or empty (every interface), else what it resolves to. */
async function addressesOf(host: string): Promise<string[]> {
  if (host === '' || isIP(host) !== 0) return [host === '' ? '::' : host];
  const found = await lookup(host, { all: true });
  return [...new Set(found.map((a) => a.address))];
}

function listenOn(host: string, port: number, onConnection: (socket: Socket) => void): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer({ noDelay: true }, onConnection);
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** Listens on `address` and passes every accepted connection to `onConnection`. */
export async function listen(address: string, onConnection: (socket: Socket) => void): Promise<Listening> {
  const { host, port } = splitHostPort(address);
  const servers: Server[] = [];
  let bound = port;
  let firstError: unknown = null;
  for (const a of await addressesOf(host)) {
    try {
      const s = await listenOn(a, bound, onConnection);
      servers.push(s);
      if (bound === 0) bound = (s.address() as { port: number }).port;
    } catch (err) {
      firstError ??= err;
    }
  }
  if (servers.length === 0) throw firstError ?? new Error(`nothing to listen on for ${address}`);
  return {
    port: bound,
    close: () => {
      for (const s of servers) s.close();
    },
  };
}
