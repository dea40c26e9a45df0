// A 3-node etcd on loopback, for comparison runs: Debian's etcd-server 3.4, one process per
// member, fresh data directories, the same machine and the same generic client as raftdb gets.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '../../cluster/local-cluster.js';

/** A running etcd cluster. */
export interface EtcdCluster {
  endpoints: string[];
  pids: number[];
  stop(): Promise<void>;
}

/** Installs etcd-server and etcd-client with apt when `etcd` is not on the PATH. */
export function ensureEtcdInstalled(log: (line: string) => void): void {
  if (spawnSync('sh', ['-c', 'command -v etcd'], { stdio: 'ignore' }).status === 0) return;
  log('etcd not found: installing Debian etcd-server and etcd-client');
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  for (const args of [['apt-get', 'update', '-qq'], ['apt-get', 'install', '-y', '-qq', 'etcd-server', 'etcd-client']]) {
    const cmd = [...sudo, ...args];
    const r = spawnSync(cmd[0]!, cmd.slice(1), { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (r.status !== 0) throw new Error(`${args.join(' ')} failed (exit ${r.status}): install etcd-server yourself`);
  }
}

/** Starts 3 etcd members on free loopback ports and waits until the cluster answers. */
export async function startEtcd(): Promise<EtcdCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'raftdb-vs-etcd-'));
  const ports = await freePorts(6);
  const names = ['e1', 'e2', 'e3'];
  const peerUrl = (i: number): string => `http://127.0.0.1:${ports[3 + i]}`;
  const initial = names.map((n, i) => `${n}=${peerUrl(i)}`).join(',');
  const children: ChildProcess[] = names.map((name, i) =>
    spawn(
      'etcd',
      [
        '--name', name, '--data-dir', join(dir, name),
        '--listen-client-urls', `http://127.0.0.1:${ports[i]}`, '--advertise-client-urls', `http://127.0.0.1:${ports[i]}`,
        '--listen-peer-urls', peerUrl(i), '--initial-advertise-peer-urls', peerUrl(i),
        '--initial-cluster', initial, '--initial-cluster-state', 'new', '--log-level', 'error',
      ],
      { stdio: 'ignore' },
    ),
  );
  const endpoints = names.map((_, i) => `127.0.0.1:${ports[i]}`);
  const stop = async (): Promise<void> => {
    await Promise.all(children.map((c) => new Promise<void>((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) return resolve();
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
      setTimeout(() => c.kill('SIGKILL'), 10_000).unref();
    })));
    rmSync(dir, { recursive: true, force: true });
  };
  return { endpoints, pids: children.map((c) => c.pid!), stop };
}
