// The load generator's ceiling: three grpc-js servers of raftdb's own KV.Put and KV.Get (and
// Cluster.Status, for the leader) that answer at once and store nothing, each a process of its
// own like a node. Driven by the same generator as etcd and raftdb, they show the most any
// server written on grpc-js could do on this machine at a given number of clients: the
// generator shares the cores, so a target above this row's throughput cannot be met by making
// raftdb cheaper (docs/performance.md, "The generator's ceiling").
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { loadRaftdbProto } from '../../proto/load.js';

/** Three echo servers on 127.0.0.1: their endpoints, pids, and how to stop them. */
export interface EchoCluster {
  endpoints: string[];
  pids: number[];
  stop(): Promise<void>;
}

/** The child's side: serves on 127.0.0.1:0 and sends its port to the parent. */
export function serveEcho(role: 'leader' | 'follower'): void {
  const pkg = loadRaftdbProto();
  const server = new grpc.Server();
  const header = { clusterId: 'echo', memberId: 'echo', revision: 1, raftTerm: 1 };
  const answer = (_call: unknown, cb: grpc.sendUnaryData<object>): void => cb(null, { header });
  server.addService(pkg.KV.service, { Put: answer, Get: answer });
  server.addService(pkg.Cluster.service, { Status: (_call: unknown, cb: grpc.sendUnaryData<object>) => cb(null, { header, role }) });
  server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
    if (err) {
      process.stderr.write(`echo server: ${err.message}\n`);
      process.exit(1);
    }
    process.send!({ port });
  });
}

function started(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once('message', (m: { port?: number }) => (m.port ? resolve(m.port) : reject(new Error('echo server sent no port'))));
    child.once('exit', (code) => reject(new Error(`echo server exited (${code}) before listening`)));
  });
}

/** The compiled entry point: beside this module, or in dist/ when this module runs from source (tests). */
function echoServerPath(): string {
  const beside = fileURLToPath(new URL('./echo-server.js', import.meta.url));
  if (existsSync(beside)) return beside;
  const built = fileURLToPath(new URL('../../../dist/src/bench/vs-etcd/echo-server.js', import.meta.url));
  if (existsSync(built)) return built;
  throw new Error(`cannot start echo servers: ${beside} does not exist (run npm run build)`);
}

/** Starts three echo servers; the first says it is the leader. */
export async function startEchoCluster(): Promise<EchoCluster> {
  const entry = echoServerPath();
  const children = ['leader', 'follower', 'follower'].map((role) => fork(entry, [role], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const ports = await Promise.all(children.map(started));
  return {
    endpoints: ports.map((p) => `127.0.0.1:${p}`),
    pids: children.map((c) => c.pid!),
    stop: async () => {
      await Promise.all(
        children.map(
          (c) =>
            new Promise<void>((resolve) => {
              if (c.exitCode !== null || c.signalCode !== null) return resolve();
              c.once('exit', () => resolve());
              c.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}
