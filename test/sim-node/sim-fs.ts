// The state layer's storage twin (src/state/state-fs.ts): a member's directories — its live
// state database, the snapshots it stages, the install swap's renames and marker — each
// database a SimLevelStore (sim-level.ts) with that store's power-cut rule. Names follow the
// rule of a journaled file system as the real code relies on it: a creation, removal or rename
// is durable once a directory it touched is synced (one rename is one atomic change, both of its
// directories at once); a power cut keeps the durable ones and a random prefix of the others.
// A database's directory appears durably when it is created (LevelDB syncs it on creation).
// An append file's (openAppendFile) creation is a name change like the others; its contents are
// durable up to its last sync, and a power cut keeps those plus a random byte prefix of what was
// appended since (a torn record) — or, when a truncate since that sync cut into the synced bytes,
// exactly the contents as of that sync (the truncate did not reach the disk: the adversarial
// choice, it punishes a repair that is not synced). Writes through a handle reach its file
// whatever happened to its name since (POSIX: an unlinked file lives while it is open).
// A process crash keeps everything; every mount handed out before a crash or a cut is dead, and
// so is every handle it opened.
import { dirname, posix } from 'node:path';
import type { AppendFile, StateFs, StateStorage } from '../../src/state/index.js';
import { SimLevelStore } from './sim-level.js';

/** An append file's bytes: what the member sees, and what a power cut would keep. */
interface AppendNode {
  kind: 'append';
  /** The contents are data[0, length); data grows by doubling. */
  data: Buffer;
  length: number;
  /** data[0, synced) is on the disk: the last sync's contents, less what a truncate since cut. */
  synced: number;
  /** Set while a truncate since the last sync has cut into its contents: those contents (a copy), which a power cut restores. */
  syncedImage: Buffer | null;
}

type Node = { kind: 'dir' } | { kind: 'file'; text: string } | { kind: 'db'; store: SimLevelStore } | AppendNode;

/** The mount's check before an operation: a fault may crash the member there; a dead mount fails. */
type Live = (op: string, path: string) => void;

/** One change of names, replayed on the durable image when it survives a power cut. */
interface NameOp {
  apply(names: Map<string, Node>): void;
  /** The directories whose entries it changes: syncing one makes it durable. */
  dirs: string[];
  durable: boolean;
}

function fsError(code: string, op: string, path: string): Error {
  return Object.assign(new Error(`${code}: ${op} '${path}'`), { code });
}

function reserve(node: AppendNode, bytes: number): void {
  if (bytes <= node.data.length) return;
  const grown = Buffer.alloc(Math.max(bytes, node.data.length * 2, 64));
  node.data.copy(grown, 0, 0, node.length);
  node.data = grown;
}

function appendBytes(node: AppendNode, chunk: Uint8Array): void {
  reserve(node, node.length + chunk.byteLength);
  node.data.set(chunk, node.length);
  node.length += chunk.byteLength;
}

/** ftruncate(2): cuts, or extends with zeros. */
function truncateBytes(node: AppendNode, length: number): void {
  if (length < node.synced) {
    // The disk may still hold the synced contents in full until the next sync (see the header).
    node.syncedImage ??= Buffer.from(node.data.subarray(0, node.synced));
    node.synced = length;
  }
  if (length > node.length) {
    reserve(node, length);
    node.data.fill(0, node.length, length); // bytes a power cut cut off may linger in data
  }
  node.length = length;
}

function syncBytes(node: AppendNode): void {
  node.synced = node.length;
  node.syncedImage = null;
}

/** What of an append file a power cut leaves (see the header); all of it is on the disk then. */
function cutBytes(node: AppendNode, random: () => number): void {
  if (node.syncedImage) {
    node.data = node.syncedImage;
    node.length = node.data.length;
  } else if (node.length > node.synced) {
    // No random draw for a file with nothing unsynced: runs without such files keep their seeds' streams.
    node.length = node.synced + Math.floor(random() * (node.length - node.synced + 1));
  }
  syncBytes(node);
}

/** A handle on an append file; like NodeAppendFile it counts its own size (as found at open, plus its appends, less its truncates). */
class SimAppendFile implements AppendFile {
  private closed = false;

  constructor(
    private readonly node: AppendNode,
    private readonly path: string,
    private readonly live: Live,
    private length: number,
  ) {}

  get size(): number {
    return this.length;
  }

  async append(chunks: readonly Uint8Array[]): Promise<void> {
    this.check('write');
    for (const c of chunks) {
      appendBytes(this.node, c);
      this.length += c.byteLength;
    }
  }

  async read(offset: number, length: number): Promise<Buffer> {
    this.check('read');
    if (offset < 0 || length < 0) throw fsError('EINVAL', 'read', this.path);
    const n = Math.max(0, Math.min(length, this.length - offset));
    // Shorter where the file is (another handle truncated it), as a real read returns.
    const end = Math.max(offset, Math.min(offset + n, this.node.length));
    return Buffer.from(this.node.data.subarray(offset, end));
  }

  async truncate(length: number): Promise<void> {
    this.check('ftruncate');
    if (length < 0) throw fsError('EINVAL', 'ftruncate', this.path);
    truncateBytes(this.node, length);
    this.length = Math.min(this.length, length);
  }

  async sync(): Promise<void> {
    this.check('fsync');
    syncBytes(this.node);
  }

  async close(): Promise<void> {
    this.live('close', this.path);
    this.closed = true;
  }

  private check(op: string): void {
    this.live(op, this.path);
    if (this.closed) throw fsError('EBADF', op, this.path);
  }
}

/** `path` and everything under it. */
function under(names: Map<string, Node>, path: string): string[] {
  return [...names.keys()].filter((p) => p === path || p.startsWith(`${path}/`));
}

/** One member's storage across its incarnations. */
export class SimFs {
  /** The names as of the last power cut (all durable). */
  private base = new Map<string, Node>();
  /** The names the member sees now. */
  private names = new Map<string, Node>();
  /** Changes since `base`, in order. */
  private ops: NameOp[] = [];
  /** Every database that may still be reached (after a power cut: the ones named). */
  private stores = new Set<SimLevelStore>();
  /** The live mount; earlier ones fail with EIO (their process is gone). */
  private generation = 0;
  /** Name changes lost to power cuts so far (a measure of what the runs exercise). */
  lostChanges = 0;
  /** Called before every operation of a live mount: a fault may crash the member there (its operation then fails). */
  beforeOperation: ((op: string, path: string) => void) | null = null;

  /** The storage one incarnation of the member uses. */
  mount(): StateStorage {
    const generation = ++this.generation;
    const live: Live = (op, path) => {
      if (generation === this.generation) this.beforeOperation?.(op, path);
      if (generation !== this.generation) throw fsError('EIO', op, path);
    };
    const fs: StateFs = {
      mkdir: async (dir) => {
        live('mkdir', dir);
        for (let d = posix.normalize(dir); d !== '/' && d !== '.'; d = dirname(d)) {
          const at = d;
          if (!this.names.has(at)) this.change([dirname(at)], (n) => n.set(at, { kind: 'dir' }));
        }
      },
      rm: async (path) => {
        live('rm', path);
        if (this.names.has(path)) this.change([dirname(path)], (n) => under(n, path).forEach((p) => n.delete(p)));
      },
      rename: async (from, to) => {
        live('rename', from);
        if (!this.names.has(from)) throw fsError('ENOENT', 'rename', from);
        const moved = under(this.names, from).map((p) => [p.slice(from.length), this.names.get(p)!] as const);
        this.change([dirname(from), dirname(to)], (n) => {
          for (const p of [...under(n, from), ...under(n, to)]) n.delete(p);
          for (const [rest, node] of moved) n.set(to + rest, node);
        });
      },
      exists: async (path) => {
        live('stat', path);
        return this.has(path);
      },
      writeFile: async (path, text) => {
        live('writeFile', path);
        const node: Node = { kind: 'file', text };
        this.change([dirname(path)], (n) => n.set(path, node));
      },
      readdir: async (dir) => {
        live('readdir', dir);
        if (!this.has(dir)) throw fsError('ENOENT', 'readdir', dir);
        return [...this.names.keys()].filter((p) => dirname(p) === dir).map((p) => p.slice(dir.length + 1));
      },
      sync: async (path) => {
        live('fsync', path);
        if (!this.has(path)) throw fsError('ENOENT', 'open', path);
        for (const op of this.ops) if (op.dirs.includes(path)) op.durable = true;
        const node = this.names.get(path);
        if (node?.kind === 'append') syncBytes(node); // fsync of the file itself: its contents
      },
      openAppendFile: async (path) => {
        live('open', path);
        const node = this.appendNodeAt(path);
        return new SimAppendFile(node, path, live, node.length);
      },
    };
    const openDb = (dir: string): ReturnType<StateStorage['openDb']> => {
      live('open', dir);
      const found = this.names.get(dir);
      if (found?.kind === 'db') return found.store.opener();
      if (found) throw fsError('ENOTDIR', 'open', dir);
      const store = new SimLevelStore();
      this.stores.add(store);
      const node: Node = { kind: 'db', store };
      this.change([dirname(dir)], (n) => n.set(dir, node), true);
      return store.opener();
    };
    return { fs, openDb };
  }

  /** The append file at `path`, created (a name change in its directory) if missing. */
  private appendNodeAt(path: string): AppendNode {
    const found = this.names.get(path);
    if (found?.kind === 'append') return found;
    // A database is a directory; a writeFile file is text this twin does not append to (the state layer never does).
    if (found) throw fsError(found.kind === 'file' ? 'EINVAL' : 'EISDIR', 'open', path);
    const dir = dirname(path);
    const parent = this.names.get(dir);
    if (!this.has(dir)) throw fsError('ENOENT', 'open', path);
    // A database's directory holds files too (the watch history's segments sit in the state directory).
    if (parent && parent.kind !== 'dir' && parent.kind !== 'db') throw fsError('ENOTDIR', 'open', path);
    const node: AppendNode = { kind: 'append', data: Buffer.alloc(0), length: 0, synced: 0, syncedImage: null };
    this.change([dir], (n) => n.set(path, node));
    return node;
  }

  /** Whether `path` names something now (the root always does). */
  private has(path: string): boolean {
    return path === '/' || this.names.has(path);
  }

  private change(dirs: string[], apply: (names: Map<string, Node>) => void, durable = false): void {
    apply(this.names);
    this.ops.push({ apply, dirs, durable });
  }

  /** The process died: its mount is dead, its databases take no more writes; nothing is lost. */
  crash(): void {
    this.generation++;
    for (const s of this.stores) s.crash();
  }

  /**
   * The power went out: unsynced name changes survive as a random prefix; each database loses its
   * unsynced writes, each append file its unsynced bytes but a random prefix (once per file: the
   * name maps share their nodes).
   */
  powerCut(random: () => number): void {
    this.crash();
    const unsynced = this.ops.filter((op) => !op.durable).length;
    let keep = Math.floor(random() * (unsynced + 1));
    this.lostChanges += unsynced - keep;
    const names = new Map(this.base);
    for (const op of this.ops) {
      if (op.durable) op.apply(names);
      else if (keep > 0) {
        keep--;
        op.apply(names);
      }
    }
    this.base = names;
    this.names = new Map(names);
    this.ops = [];
    this.stores = new Set([...names.values()].flatMap((n) => (n.kind === 'db' ? [n.store] : [])));
    for (const s of this.stores) s.powerCut(random);
    for (const node of new Set(names.values())) if (node.kind === 'append') cutBytes(node, random);
  }

  /** The names the member sees (tests and traces). */
  list(): string[] {
    return [...this.names.keys()].sort();
  }
}
