// The control socket of `raftdb dev`: `raftdb dev ctl stop|start|kill NODE` from a second
// terminal stops (SIGTERM, a clean stop), starts again, or kills (SIGKILL, a crash) one node of
// the running dev cluster, so failover can be tried without looking up pids. The socket is
// DIR/dev.sock (mode 0600: only the user who runs dev); one JSON line each way:
//   {"op": "kill", "node": "n2"}  ->  {"ok": true, "message": "n2 killed (SIGKILL)"}
import { chmod, unlink } from 'node:fs/promises';
import { type Server, type Socket, connect, createServer } from 'node:net';
import { join } from 'node:path';
import { CliFailure } from './common.js';
import type { LocalCluster } from '../cluster/local-cluster.js';

/** What `dev ctl` can ask. */
export const DEV_CTL_OPS = ['stop', 'start', 'kill'] as const;
export type DevCtlOp = (typeof DEV_CTL_OPS)[number];

/** A request line longer than this is not ours: the connection is closed. */
const MAX_REQUEST_BYTES = 1024;
/** Starting a node waits for it to serve; the client waits a little longer than the node's start bound. */
const CTL_REPLY_TIMEOUT_MS = 70_000;

/** The socket of the dev cluster whose data is in `dir`. */
export function devSocketPath(dir: string): string {
  return join(dir, 'dev.sock');
}

async function handle(cluster: LocalCluster, line: string): Promise<{ ok: boolean; message: string }> {
  let req: { op?: unknown; node?: unknown };
  try {
    req = JSON.parse(line) as typeof req;
  } catch {
    return { ok: false, message: 'not a JSON request' };
  }
  const node = typeof req.node === 'string' ? cluster.nodes.find((n) => n.id === req.node) : undefined;
  if (!node) return { ok: false, message: `no node ${String(req.node)} (nodes: ${cluster.nodes.map((n) => n.id).join(', ')})` };
  switch (req.op) {
    case 'stop':
      if (!node.child) return { ok: true, message: `${node.id} is not running` };
      await cluster.kill(node.id, 'SIGTERM');
      return { ok: true, message: `${node.id} stopped (SIGTERM: leadership handed over if it led, storage closed)` };
    case 'kill':
      if (!node.child) return { ok: true, message: `${node.id} is not running` };
      await cluster.kill(node.id, 'SIGKILL');
      return { ok: true, message: `${node.id} killed (SIGKILL: a crash)` };
    case 'start':
      if (node.child) return { ok: true, message: `${node.id} is already running (pid ${node.child.pid})` };
      await cluster.startNode(node.id);
      return { ok: true, message: `${node.id} started (pid ${node.child!.pid}), serving on ${node.address}` };
    default:
      return { ok: false, message: `unknown op ${String(req.op)} (${DEV_CTL_OPS.join(', ')})` };
  }
}

/** Serves dev ctl requests on DIR/dev.sock; `report` hears each action. Refuses if another dev runs there. */
export async function serveDevControl(dir: string, cluster: LocalCluster, report: (line: string) => void): Promise<Server> {
  const path = devSocketPath(dir);
  if (await answers(path)) throw new CliFailure(`another raftdb dev is running with --dir ${dir} (${path} answers)`);
  await unlink(path).catch(() => undefined); // left by a dev that was killed
  const server = createServer((socket: Socket) => {
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (buffer.length > MAX_REQUEST_BYTES) return void socket.destroy();
      const nl = buffer.indexOf('\n');
      if (nl < 0) return;
      socket.pause();
      void handle(cluster, buffer.slice(0, nl))
        .catch((err: Error) => ({ ok: false, message: err.message }))
        .then((reply) => {
          report(`raftdb dev ctl: ${reply.message}`);
          socket.end(`${JSON.stringify(reply)}\n`);
        });
    });
  });
  // A few terminals at once is plenty; more connections are refused by the server (a bound on what
  // a local process can make dev hold).
  server.maxConnections = 8;
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(path, resolve));
  await chmod(path, 0o600);
  return server;
}

function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Sends one request to the dev cluster in `dir`; its message on success, CliFailure otherwise. */
export async function devCtl(dir: string, op: DevCtlOp, node: string): Promise<string> {
  const path = devSocketPath(dir);
  return new Promise((resolve, reject) => {
    const s = connect(path);
    let reply = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new CliFailure(`no answer from ${path} within ${CTL_REPLY_TIMEOUT_MS / 1000}s`));
    }, CTL_REPLY_TIMEOUT_MS);
    s.setEncoding('utf8');
    s.once('connect', () => s.write(`${JSON.stringify({ op, node })}\n`));
    s.on('data', (c: string) => (reply += c.slice(0, MAX_REQUEST_BYTES)));
    s.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const why = err.code === 'ENOENT' || err.code === 'ECONNREFUSED' ? `no raftdb dev is running with --dir ${dir} (${path})` : `${path}: ${err.message}`;
      reject(new CliFailure(why));
    });
    s.once('end', () => {
      clearTimeout(timer);
      try {
        const r = JSON.parse(reply) as { ok: boolean; message: string };
        if (r.ok) resolve(r.message);
        else reject(new CliFailure(r.message));
      } catch {
        reject(new CliFailure(`unexpected answer from ${path}`));
      }
    });
  });
}
