// The state layer's storage twin (src/state/state-fs.ts): a member's directories — its live
// state database, the snapshots it stages, the install swap's renames and marker — each
// database a SimLevelStore (sim-level.ts) with that store's power-cut rule. Names follow the
// rule of a journaled file system as the real code relies on it: a creation, removal or rename
// is durable once a directory it touched is synced (one rename is one atomic change, both of its
// directories at once); a power cut keeps the durable ones and a random prefix of the others.
// A database's directory appears durably when it is created (LevelDB syncs it on creation).
// A process crash keeps everything; every mount handed out before a crash or a cut is dead.
import { dirname, posix } from 'node:path';
import type { StateFs, StateStorage } from '../../src/state/index.js';
import { SimLevelStore } from './sim-level.js';

type Node = { kind: 'dir' } | { kind: 'file'; text: string } | { kind: 'db'; store: SimLevelStore };

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
    const live = (op: string, path: string): void => {
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

  /** The power went out: unsynced name changes survive as a random prefix; each database loses its unsynced writes. */
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
  }

  /** The names the member sees (tests and traces). */
  list(): string[] {
    return [...this.names.keys()].sort();
  }
}
