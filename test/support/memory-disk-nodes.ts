// The files and directories of the in-memory disk (memory-disk.ts, which describes the model):
// each keeps what reads see (the page cache) apart from what survives a power cut (the platter),
// and reverts to the latter when the power goes out.

/** Bytes of one page: the unit the cache and the durable image keep, and bit rot flips within. */
export const PAGE_BYTES = 4096;

/** An error as node:fs raises it: `code` (ENOENT, ENOSPC, EIO...) and the operation and path. */
export function fsError(code: string, op: string, p: string): Error {
  return Object.assign(new Error(`${code}: ${op} '${p}'`), { code });
}

/** One file's data: pages that read as zeros when absent (sparse), in the cache and durable. */
export class FileNode {
  readonly kind = 'file';
  size = 0;
  pages = new Map<number, Buffer>();
  durableSize = 0;
  durablePages = new Map<number, Buffer>();
  /** Pages changed (written or cut) since the last sync. */
  dirty = new Set<number>();

  read(buf: Buffer, offset: number, length: number, position: number): number {
    const n = Math.max(0, Math.min(length, this.size - position));
    buf.fill(0, offset, offset + n);
    for (let done = 0; done < n; ) {
      const at = position + done;
      const page = this.pages.get(Math.floor(at / PAGE_BYTES));
      const inPage = at % PAGE_BYTES;
      const k = Math.min(n - done, PAGE_BYTES - inPage);
      if (page !== undefined) page.copy(buf, offset + done, inPage, inPage + k);
      done += k;
    }
    return n;
  }

  /** Writes into the cache; with `durable`, into the durable image too (O_DSYNC, or a torn write). */
  write(data: Buffer, position: number, durable: boolean): void {
    for (let done = 0; done < data.length; ) {
      const at = position + done;
      const no = Math.floor(at / PAGE_BYTES);
      const inPage = at % PAGE_BYTES;
      const k = Math.min(data.length - done, PAGE_BYTES - inPage);
      data.copy(pageOf(this.pages, no), inPage, done, done + k);
      this.dirty.add(no);
      if (durable) data.copy(pageOf(this.durablePages, no), inPage, done, done + k);
      done += k;
    }
    this.size = Math.max(this.size, position + data.length);
    if (durable) this.durableSize = Math.max(this.durableSize, position + data.length);
  }

  truncate(sizeBytes: number): void {
    const keep = Math.ceil(sizeBytes / PAGE_BYTES);
    for (const no of [...this.pages.keys()]) {
      if (no >= keep) {
        this.pages.delete(no);
        this.dirty.add(no);
      }
    }
    const partial = this.pages.get(Math.floor(sizeBytes / PAGE_BYTES));
    if (partial !== undefined && sizeBytes % PAGE_BYTES !== 0) {
      partial.fill(0, sizeBytes % PAGE_BYTES);
      this.dirty.add(Math.floor(sizeBytes / PAGE_BYTES));
    }
    this.size = sizeBytes;
  }

  sync(): void {
    for (const no of this.dirty) {
      const page = this.pages.get(no);
      if (page === undefined) this.durablePages.delete(no);
      else this.durablePages.set(no, Buffer.from(page));
    }
    this.dirty.clear();
    this.durableSize = this.size;
  }

  /** The power went out: the cache becomes what the platter holds (plus what `keep` says got there). */
  revert(keep: (() => boolean) | null): void {
    if (keep !== null) {
      for (const no of this.dirty) {
        const page = this.pages.get(no);
        if (!keep()) continue;
        if (page === undefined) this.durablePages.delete(no);
        else this.durablePages.set(no, Buffer.from(page));
      }
      if (keep()) this.durableSize = this.size;
    }
    const pages = new Map<number, Buffer>();
    for (const [no, page] of this.durablePages) {
      const end = this.durableSize - no * PAGE_BYTES;
      if (end <= 0) continue;
      const copy = Buffer.from(page);
      if (end < PAGE_BYTES) copy.fill(0, end); // never read back past the durable size
      pages.set(no, copy);
    }
    this.pages = pages;
    this.durablePages = new Map([...pages].map(([no, page]) => [no, Buffer.from(page)]));
    this.size = this.durableSize;
    this.dirty.clear();
  }
}

function pageOf(pages: Map<number, Buffer>, no: number): Buffer {
  let page = pages.get(no);
  if (page === undefined) {
    page = Buffer.alloc(PAGE_BYTES);
    pages.set(no, page);
  }
  return page;
}

type Node = FileNode | DirNode;
/** Name changes made by one operation (a rename changes two names at once); undefined removes. */
type DirChange = [name: string, node: Node | undefined][];

/** A directory: its names now, and the names a power cut leaves (as of its last syncDir). */
export class DirNode {
  readonly kind = 'dir';
  entries = new Map<string, Node>();
  durable = new Map<string, Node>();
  /** Changes since the last syncDir, in order (for a cut that keeps some of them). */
  unsynced: DirChange[] = [];

  /** @param alwaysDurable the root: it stands for the mount point, whose names are never lost. */
  constructor(private readonly alwaysDurable = false) {}

  change(updates: DirChange): void {
    for (const [name, node] of updates) setName(this.entries, name, node);
    if (this.alwaysDurable) for (const [name, node] of updates) setName(this.durable, name, node);
    else this.unsynced.push(updates);
  }

  sync(): void {
    this.durable = new Map(this.entries);
    this.unsynced = [];
  }

  /** The power went out: the names become the durable ones, plus each unsynced change kept by `keep`. */
  revert(keep: (() => boolean) | null): void {
    if (keep !== null) for (const c of this.unsynced) if (keep()) for (const [name, node] of c) setName(this.durable, name, node);
    this.unsynced = [];
    this.entries = new Map(this.durable);
  }
}

function setName(names: Map<string, Node>, name: string, node: Node | undefined): void {
  if (node === undefined) names.delete(name);
  else names.set(name, node);
}

/** A power cut over the tree under `dir`: every directory and file reverts to its durable image. */
export function revertDir(dir: DirNode, keep: (() => boolean) | null): void {
  dir.revert(keep);
  for (const node of dir.entries.values()) {
    if (node.kind === 'dir') revertDir(node, keep);
    else node.revert(keep);
  }
}
