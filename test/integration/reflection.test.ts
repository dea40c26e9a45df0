// gRPC server reflection: tools such as grpcurl discover raftdb's client API from a node, without
// the proto files. The peer protocol is not listed. Checked with the standard v1 reflection client.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { describe, expect, test } from 'vitest';
import { InProcessCluster } from './in-process.js';

const require = createRequire(import.meta.url);
const PROTO_DIR = join(dirname(require.resolve('@grpc/reflection/package.json')), 'build', 'proto');

type Response = { listServicesResponse?: { service: { name: string }[] }; fileDescriptorResponse?: { fileDescriptorProto: Buffer[] }; errorResponse?: { errorMessage: string } };

/** One request on the bidirectional ServerReflectionInfo stream of `address`. */
function ask(address: string, request: object): Promise<Response> {
  const def = protoLoader.loadSync('grpc/reflection/v1/reflection.proto', { includeDirs: [PROTO_DIR], keepCase: false, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { grpc: { reflection: { v1: { ServerReflection: grpc.ServiceClientConstructor } } } };
  const client = new pkg.grpc.reflection.v1.ServerReflection(address, grpc.credentials.createInsecure());
  return new Promise((resolve, reject) => {
    const call = (client as unknown as { serverReflectionInfo(): grpc.ClientDuplexStream<object, Response> }).serverReflectionInfo();
    call.on('data', (r: Response) => {
      resolve(r);
      call.end();
      client.close();
    });
    call.on('error', reject);
    call.write(request);
  });
}

describe('server reflection', () => {
  test('lists the client services (not the peer protocol) and describes them', async () => {
    const cluster = await InProcessCluster.start(1);
    try {
      const address = [...cluster.nodes.values()][0]!.address;
      const list = await ask(address, { listServices: '' });
      const names = list.listServicesResponse!.service.map((s) => s.name);
      expect(names).toEqual(expect.arrayContaining(['raftdb.v1.KV', 'raftdb.v1.Cluster', 'raftdb.v1.Auth', 'raftdb.v1.Maintenance']));
      expect(names).not.toContain('raftdb.v1.Raft');
      const file = await ask(address, { fileContainingSymbol: 'raftdb.v1.KV' });
      expect(file.fileDescriptorResponse!.fileDescriptorProto.length).toBeGreaterThan(0);
      expect(Buffer.concat(file.fileDescriptorResponse!.fileDescriptorProto).toString('latin1')).toContain('PutRequest');
    } finally {
      await cluster.close();
    }
  });
});
