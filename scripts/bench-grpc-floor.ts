// The floor under any unary request on this machine: what a gRPC server costs per call before it
// does anything. One echo method served two ways in a child process — by grpc-js (the server
// raftdb uses) and by a hand-written gRPC framing on node:http2 (what grpc-js is built on) —
// driven by the same grpc-js client with N calls in flight; reports calls/s and the server's CPU
// (user + system, process.cpuUsage) per call. Runs alternate, so a noisy host shows in both.
//   npm run bench:grpc-floor [-- --seconds 5 --clients 64 --rounds 2 --bytes 300]
import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http2';
import * as grpc from '@grpc/grpc-js';

type Mode = 'grpc-js' | 'http2';
const identity = (b: Buffer): Buffer => b;
const METHOD = { path: '/raftdb.bench.Echo/Echo', requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity } as const;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} takes a positive number`);
  return v;
}

/** The child: serves the echo in `mode` on 127.0.0.1:0, says its port, answers CPU queries. */
function serve(mode: Mode): void {
  const ready = (port: number): void => {
    process.send!({ port });
  };
  if (mode === 'grpc-js') {
    const server = new grpc.Server();
    server.addService({ Echo: METHOD }, { Echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, call.request) });
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? process.exit(1) : ready(port)));
  } else {
    // gRPC over HTTP/2 by hand: one length-prefixed message in, one out, status in the trailers.
    const server = createServer({ settings: { maxConcurrentStreams: 1000 } });
    server.on('stream', (stream) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        const msg = body.subarray(5, 5 + body.readUInt32BE(1));
        const out = Buffer.allocUnsafe(5 + msg.length);
        out[0] = 0;
        out.writeUInt32BE(msg.length, 1);
        msg.copy(out, 5);
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end(out);
      });
    });
    server.listen(0, '127.0.0.1', () => ready((server.address() as { port: number }).port));
  }
  process.on('message', () => {
    process.send!({ cpu: process.cpuUsage() });
  });
}

function ask<T>(child: ChildProcess, key: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: Record<string, unknown>): void => {
      if (key in m) {
        child.off('message', on);
        resolve(m[key] as T);
      }
    };
    child.on('message', on);
    if (key === 'cpu') child.send('cpu');
  });
}

async function measure(mode: Mode, seconds: number, clients: number, bytes: number): Promise<void> {
  const child = fork(process.argv[1]!, ['--serve', mode], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const port = await ask<number>(child, 'port');
    const Client = grpc.makeGenericClientConstructor({ Echo: METHOD }, 'Echo');
    const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as { Echo(req: Buffer, cb: (err: Error | null) => void): void; close(): void };
    const payload = Buffer.alloc(bytes, 7);
    const call = (): Promise<void> => new Promise((resolve, reject) => client.Echo(payload, (err) => (err ? reject(err) : resolve())));
    for (let i = 0; i < 2_000; i++) await call(); // warm-up: JIT and the connection
    const before = await ask<NodeJS.CpuUsage>(child, 'cpu');
    let calls = 0;
    const endAt = performance.now() + seconds * 1000;
    await Promise.all(Array.from({ length: clients }, async () => {
      while (performance.now() < endAt) {
        await call();
        calls++;
      }
    }));
    const after = await ask<NodeJS.CpuUsage>(child, 'cpu');
    const cpuUs = after.user - before.user + after.system - before.system;
    console.log(`${mode.padEnd(8)} ${clients} in flight: ${Math.round(calls / seconds).toLocaleString('en')} calls/s, server ${(cpuUs / calls).toFixed(1)} µs CPU per call`);
    client.close();
  } finally {
    child.kill('SIGKILL');
  }
}

const serveAt = process.argv.indexOf('--serve');
if (serveAt >= 0) serve(process.argv[serveAt + 1] as Mode);
else {
  const seconds = arg('seconds', 5);
  const clients = arg('clients', 64);
  const bytes = arg('bytes', 300);
  for (let r = 0; r < arg('rounds', 2); r++) for (const mode of ['grpc-js', 'http2'] as const) await measure(mode, seconds, clients, bytes);
}
