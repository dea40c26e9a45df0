// The other members as the corruption check asks them for HashKV: one Maintenance client per
// address (with this node's client credentials, TLS when the cluster uses it), reused.
import * as grpc from '@grpc/grpc-js';
import type { HashPeer } from '../backup/corruption-check.js';
import { loadRaftdbProto } from '../proto/load.js';
import type { RaftNode } from '../raft/index.js';
import type { MemberDirectory } from './members.js';

type HashKvCall = (req: object, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: { hash: string; revision: number }) => void) => void;

/** HashKV clients of the current members other than `selfId`. */
export class HashPeers {
  private readonly clients = new Map<string, grpc.Client>();

  constructor(
    private readonly selfId: string,
    private readonly raft: RaftNode,
    private readonly members: MemberDirectory,
    private readonly credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
  ) {}

  /** Every voter and learner of the current configuration but this node, with a known address. */
  peers(): HashPeer[] {
    const conf = this.raft.conf();
    const ids = [...new Set([...conf.voters, ...conf.votersOutgoing, ...conf.learners])].filter((id) => id !== this.selfId);
    return ids.flatMap((id) => {
      const address = this.members.address(id);
      return address ? [{ id, hashKv: (revision: number, timeoutMs: number) => this.call(address, revision, timeoutMs) }] : [];
    });
  }

  private call(address: string, revision: number, timeoutMs: number): Promise<string> {
    let c = this.clients.get(address);
    if (!c) {
      c = new (loadRaftdbProto().Maintenance)(address, this.credentials, { 'grpc.enable_channelz': 0 });
      this.clients.set(address, c);
    }
    const fn = (c as unknown as { HashKV: HashKvCall }).HashKV.bind(c);
    return new Promise((resolve, reject) =>
      fn({ revision }, new grpc.Metadata(), { deadline: new Date(Date.now() + timeoutMs) }, (err, res) => {
        if (err || !res) reject(err ?? new Error('no answer'));
        // Only a hash at the revision asked for compares (a peer of another version might answer "now").
        else if (Number(res.revision) !== revision) reject(new Error(`HashKV answered revision ${res.revision}, not ${revision}`));
        else resolve(res.hash);
      }),
    );
  }

  /** Closes every client. */
  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}
