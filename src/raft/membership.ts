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

  /** Index of the last configuration entry in the log, or 0 when there is none after the snapshot. */
  lastChangeIndex(): number {
    return this.changes.length > 0 ? this.changes[this.changes.length - 1]!.index : 0;
  }

  /** Forgets configurations from `fromIndex` on (their entries were overwritten). */
  truncateFrom(fromIndex: number): boolean {
    const before = this.changes.length;
    while (this.changes.length > 0 && this.changes[this.changes.length - 1]!.index >= fromIndex) this.changes.pop();
    return this.changes.length !== before;
  }

  /** Records the configuration entries among `entries`; returns whether the configuration changed. */
  appended(entries: readonly Entry[]): boolean {
    let changed = false;
    for (const e of entries) {
      if (e.type !== EntryType.ConfChange || !e.conf) continue;
      this.changes.push({ index: e.index, conf: applyConfChange(this.current(), e.conf) });
      changed = true;
    }
    return changed;
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
