// The two systems as a generic gRPC user sees them: plain @grpc/grpc-js stubs generated from
// each system's own .proto files, one channel per endpoint, one unary call per operation. No
// raftdb client library (no pipelining, no leader tracking): what a Python or Go user gets.
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { loadRaftdbProto, protoRoot } from '../../proto/load.js';

/** `echo`: servers of raftdb's API that answer at once (echo-cluster.ts), the generator's ceiling. */
export type SystemName = 'etcd' | 'raftdb' | 'echo';

type Callback = (err: grpc.ServiceError | null) => void;
type Unary = (req: object, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: unknown) => void) => void;

/** One endpoint's stubs: a put, a linearizable get and a serializable get, each one unary call. */
export interface EndpointClient {
  put(key: Buffer, value: Buffer, cb: Callback): void;
  get(key: Buffer, cb: Callback): void;
  /** Served from the receiving member's own state (etcd: `serializable`; raftdb: SERIALIZABLE). */
  serializableGet(key: Buffer, cb: Callback): void;
  close(): void;
}

/** A system under test, reached through its endpoints. */
export interface Target {
  system: SystemName;
  endpoints: string[];
  connect(endpoint: string): EndpointClient;
  /** The endpoint of the current leader. */
  leader(): Promise<string>;
}

const DEADLINE_MS = 10_000;
const deadline = (): grpc.CallOptions => ({ deadline: Date.now() + DEADLINE_MS });

function call(stub: grpc.Client, method: string, req: object): Promise<Record<string, unknown>> {
  const fn = (stub as unknown as Record<string, Unary>)[method]!;
  return new Promise((resolve, reject) => fn.call(stub, req, deadline(), (err, res) => (err ? reject(err) : resolve(res as Record<string, unknown>))));
}

let etcdPkg: Record<string, grpc.ServiceClientConstructor> | null = null;

function etcdServices(): Record<string, grpc.ServiceClientConstructor> {
  if (!etcdPkg) {
    const def = protoLoader.loadSync(join(protoRoot(), 'etcd', 'rpc.proto'), { longs: String, defaults: true, includeDirs: [join(protoRoot(), 'etcd')] });
    etcdPkg = (grpc.loadPackageDefinition(def) as unknown as { etcdserverpb: Record<string, grpc.ServiceClientConstructor> }).etcdserverpb;
  }
  return etcdPkg;
}

/** etcd's KV.Put and KV.Range (linearizable: serializable false), Maintenance.Status for the leader. */
export function etcdTarget(endpoints: string[]): Target {
  const svc = etcdServices();
  return {
    system: 'etcd',
    endpoints,
    connect: (endpoint) => {
      const kv = new svc.KV!(endpoint, grpc.credentials.createInsecure());
      const put = (kv as unknown as Record<string, Unary>).Put!;
      const range = (kv as unknown as Record<string, Unary>).Range!;
      return {
        put: (key, value, cb) => put.call(kv, { key, value }, deadline(), (err) => cb(err)),
        get: (key, cb) => range.call(kv, { key }, deadline(), (err) => cb(err)),
        serializableGet: (key, cb) => range.call(kv, { key, serializable: true }, deadline(), (err) => cb(err)),
        close: () => kv.close(),
      };
    },
    leader: async () => {
      for (const e of endpoints) {
        const m = new svc.Maintenance!(e, grpc.credentials.createInsecure());
        try {
          const s = await call(m, 'Status', {});
          if (String(s.leader) === String((s.header as { memberId: string }).memberId)) return e;
        } finally {
          m.close();
        }
      }
      throw new Error('etcd: no member says it is the leader');
    },
  };
}

/** raftdb's KV.Put and KV.Get (LINEARIZABLE by default), Cluster.Status for the leader. */
export function raftdbTarget(endpoints: string[], system: 'raftdb' | 'echo' = 'raftdb'): Target {
  const pkg = loadRaftdbProto();
  return {
    system,
    endpoints,
    connect: (endpoint) => {
      const kv = new pkg.KV(endpoint, grpc.credentials.createInsecure());
      const put = (kv as unknown as Record<string, Unary>).Put!;
      const get = (kv as unknown as Record<string, Unary>).Get!;
      return {
        put: (key, value, cb) => put.call(kv, { key, value }, deadline(), (err) => cb(err)),
        get: (key, cb) => get.call(kv, { key }, deadline(), (err) => cb(err)),
        serializableGet: (key, cb) => get.call(kv, { key, consistency: 'SERIALIZABLE' }, deadline(), (err) => cb(err)),
        close: () => kv.close(),
      };
    },
    leader: async () => {
      for (const e of endpoints) {
        const c = new pkg.Cluster(e, grpc.credentials.createInsecure());
        try {
          if ((await call(c, 'Status', {})).role === 'leader') return e;
        } finally {
          c.close();
        }
      }
      throw new Error('raftdb: no node says it is the leader');
    },
  };
}
