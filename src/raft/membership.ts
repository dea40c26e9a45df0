import { applyConfChange, cloneConf } from './confchange.js';
import type { ConfState, Entry } from './types.js';
import { EntryType } from './types.js';

/**
 * Which configuration is in force. As in §4.1 of Ongaro's thesis, a node uses the latest
 * configuration in its log, committed or not: applying it only at commit lets a lagging node win
 * an election under a configuration the cluster has already left. Uncommitted configurations can
 * be cut off with the log suffix that holds them, so each one is remembered with its index.
 */
export class MembershipLog {
  private changes: { index: number; conf: ConfState }[] = [];

  constructor(private base: ConfState) {}

  /** The configuration in force: the last one in the log, else the snapshot's. */
  current(): ConfState {
    return this.changes.length > 0 ? this.changes[this.changes.length - 1]!.conf : this.base;
  }

  /** The configuration in force at `index` (for the metadata of a snapshot taken there). */
  at(index: number): ConfState {
    let conf = this.base;
    for (const c of this.changes) {
      if (c.index > index) break;
      conf = c.conf;
    }
    return cloneConf(conf);
  }

  /** Forgets configurations from `fromIndex` on (their entries were overwritten). */
  truncateFrom(fromIndex: number): void {
    while (this.changes.length > 0 && this.changes[this.changes.length - 1]!.index >= fromIndex) this.changes.pop();
  }

  /** Records the configuration entries among `entries` (each applies to the one before it). */
  appended(entries: readonly Entry[]): void {
    for (const e of entries) {
      if (e.type !== EntryType.ConfChange || !e.conf) continue;
      this.changes.push({ index: e.index, conf: applyConfChange(this.current(), e.conf) });
    }
  }

  /** The log up to `index` is now in a snapshot; its configuration becomes the base. */
  compact(index: number): void {
    this.base = this.at(index);
    this.changes = this.changes.filter((c) => c.index > index);
  }

  /** Replaced by a snapshot from the leader. */
  reset(base: ConfState): void {
    this.base = cloneConf(base);
    this.changes = [];
  }
}
