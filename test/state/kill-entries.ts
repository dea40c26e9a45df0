// The deterministic entries of the kill test, shared by the child process (compiled) and the
// parent's model: entry i depends only on i.
import { EntryType, type Entry } from '../../src/raft/types.js';
import { type Command, encodeCommand } from '../../src/state/commands.js';

/** The command of entry i, or null for a leader no-op. */
export function killCommand(i: number): Command | null {
  if (i % 13 === 0) return null;
  const req = { clientId: `c${i % 5}`, seq: i };
  const counter = { type: 'put' as const, key: Buffer.from('counter'), value: Buffer.from(String(i)) };
  const slot = { type: 'put' as const, key: Buffer.from(`k/${i % 50}`), value: Buffer.from(`v${i}`) };
  if (i % 7 === 0) {
    const drop = { type: 'deleteRange' as const, key: Buffer.from('k/1'), rangeEnd: Buffer.from('k/2') };
    return { type: 'txn', compare: [], success: [counter, drop], failure: [], req };
  }
  return { type: 'txn', compare: [], success: [counter, slot], failure: [], req };
}

/** Entry i of the kill test. */
export function killEntry(i: number): Entry {
  const cmd = killCommand(i);
  return { index: i, term: 1 + Math.floor(i / 500), type: EntryType.Normal, data: cmd ? encodeCommand(cmd) : new Uint8Array(0) };
}
