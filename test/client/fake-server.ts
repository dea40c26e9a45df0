// A scripted stand-in for a raftdb node: the real KV and Cluster services from proto/, each
// method answered by a test-supplied handler, every request recorded. Lives in test/, never in
// production paths.
import * as grpc from '@grpc/grpc-js';
import { loadRaftdbProto } from '../../src/proto/load.js';

export type Req = Record<string, unknown>;
/** Answers a unary request, or throws a fault() to fail it. */
export type UnaryHandler = (req: Req, node: FakeNode) => unknown | Promise<unknown>;
/** Drives a server stream (Watch). */
export type StreamHandler = (req: Req, call: grpc.ServerWritableStream<Req, unknown>, node: FakeNode) => void;

export interface Recorded {
  method: string;
  request: Req;
  /** How the request came: as a unary call or as one operation of a KV.Pipeline stream. */
  via: 'unary' | 'pipeline';
  /** The `token` metadata of the call (of the stream, for a pipeline operation), if any. */
  token?: string;
}

const PIPELINE_METHODS: Record<string, string> = { put: 'Put', get: 'Get', delete: 'Delete', range: 'Range', txn: 'Txn' };

/** A gRPC error to throw from a handler; `leader` becomes the raftdb-leader trailer. */
export function fault(code: grpc.status, details: string, leader?: string): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  if (leader) metadata.set('raftdb-leader', leader);
  return Object.assign(new Error(details), { code, details, metadata });
}

const UNARY = {
  KV: ['Put', 'Get', 'Delete', 'Range', 'Txn'],
  Cluster: ['Status', 'MemberList', 'MemberAdd', 'MemberPromote', 'MemberRemove', 'TransferLeadership', 'Failback', 'SetCommitMode', 'FailoverHistory', 'Compact'],
  Auth: [
    'Authenticate',
    'AuthStatus',
    'AuthEnable',
    'AuthDisable',
    'AuthRotateKey',
    'UserAdd',
    'UserDelete',
    'UserChangePassword',
    'UserGrantRole',
    'UserRevokeRole',
    'UserGet',
    'UserList',
    'RoleAdd',
    'RoleDelete',
    'RoleGrantPermission',
    'RoleRevokePermission',
    'RoleGet',
    'RoleList',
  ],
} as const;

function tokenOf(md: grpc.Metadata): string | undefined {
  const [v] = md.get('token');
  return v === undefined ? undefined : v.toString();
}

/** One fake node on 127.0.0.1 with an ephemeral port. */
export class FakeNode {
  readonly calls: Recorded[] = [];
  readonly handlers = new Map<string, UnaryHandler>();
  watch: StreamHandler | null = null;
  private constructor(
    private readonly server: grpc.Server,
    readonly address: string,
  ) {}

  /**
   * Starts a node answering with `handlers` (method name → handler). With `pipeline` (default)
   * KV.Pipeline operations go to the same handlers; without it the node answers UNIMPLEMENTED,
   * like a node that predates pipelines.
   */
  static async start(handlers: Record<string, UnaryHandler> = {}, opts: { pipeline?: boolean } = {}): Promise<FakeNode> {
    const server = new grpc.Server();
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    const node = new FakeNode(server, `127.0.0.1:${port}`);
    for (const [k, v] of Object.entries(handlers)) node.handlers.set(k, v);
    const pkg = loadRaftdbProto();
    for (const svc of ['KV', 'Cluster', 'Auth'] as const) {
      const impl: grpc.UntypedServiceImplementation = {};
      for (const method of UNARY[svc]) impl[method] = node.unary(method);
      if (svc === 'KV') {
        impl.Watch = (call: grpc.ServerWritableStream<Req, unknown>) => {
          node.calls.push({ method: 'Watch', request: call.request, via: 'unary', ...withToken(call.metadata) });
          if (node.watch) node.watch(call.request, call, node);
          else call.emit('error', fault(grpc.status.UNIMPLEMENTED, 'no watch handler'));
        };
        if (opts.pipeline ?? true) impl.Pipeline = (call: grpc.ServerDuplexStream<Req, unknown>) => node.pipeline(call);
      }
      server.addService(pkg[svc].service, impl);
    }
    return node;
  }

  /** Requests received for `method`. */
  requests(method: string): Req[] {
    return this.calls.filter((c) => c.method === method).map((c) => c.request);
  }

  private unary(method: string): grpc.handleUnaryCall<Req, unknown> {
    return (call, callback) => {
      this.answer(method, call.request, 'unary', tokenOf(call.metadata)).then(
        (res) => callback(null, res),
        (err: grpc.ServiceError) => callback(err),
      );
    };
  }

  /** Runs the scripted handler of one request, however it came. */
  private answer(method: string, request: Req, via: Recorded['via'], token: string | undefined): Promise<unknown> {
    this.calls.push({ method, request, via, ...(token !== undefined ? { token } : {}) });
    const handler = this.handlers.get(method);
    if (!handler) return Promise.reject(fault(grpc.status.UNIMPLEMENTED, `${method} not scripted`));
    return Promise.resolve().then(() => handler(request, this));
  }

  /** KV.Pipeline as the real node serves it: each operation answered on its own, by seq. */
  private pipeline(call: grpc.ServerDuplexStream<Req, unknown>): void {
    const token = tokenOf(call.metadata);
    call.on('data', (req: { ops?: Req[] }) => {
      for (const op of req.ops ?? []) {
        const kind = op.op as string;
        this.answer(PIPELINE_METHODS[kind] ?? kind, op[kind] as Req, 'pipeline', token).then(
          (res) => call.write({ results: [{ seq: op.seq, [kind]: res }] }),
          (err: grpc.ServiceError) => {
            const leader = err.metadata?.get('raftdb-leader')[0];
            call.write({ results: [{ seq: op.seq, error: { code: err.code, message: err.details, leaderAddress: typeof leader === 'string' ? leader : '' } }] });
          },
        );
      }
    });
    call.on('end', () => call.end());
    call.on('error', () => undefined);
  }

  /** Stops the node at once, cutting open streams. */
  close(): void {
    this.server.forceShutdown();
  }
}

function withToken(md: grpc.Metadata): { token?: string } {
  const t = tokenOf(md);
  return t === undefined ? {} : { token: t };
}

/** A 127.0.0.1 port with nothing listening (bound, then released). */
export async function deadEndpoint(): Promise<string> {
  const node = await FakeNode.start();
  node.close();
  return node.address;
}

/** A response header as the server would send it. */
export function hdr(revision: number, memberId = 'n1'): Req {
  return { memberId, raftTerm: 2, revision, appliedIndex: revision + 10 };
}
