import { test } from 'vitest';
import { defaultOptions, Simulation } from './cluster.js';
test('debug', () => {
  const seed = Number(process.env.SEED ?? 10);
  const opts = defaultOptions(seed, seed % 2 ? 3 : 5);
  const lines: string[] = [];
  opts.trace = (l) => lines.push(l);
  const sim = new Simulation(opts);
  try { sim.run(); } catch (e) { lines.push(String(e)); }
  for (const n of sim.nodes.values()) {
    const r = n.raft!;
    lines.push(`${n.id} role=${r.role} term=${r.term} leader=${r.leader} last=${r.log.lastIndex()} commit=${r.log.committed} snap=${r.log.snapshotIndex} conf=${JSON.stringify(r.conf())} transfer=${r.leaderState?.transferTarget} pend=${r.leaderState?.pendingConfIndex}`);
    if (r.leaderState) lines.push(JSON.stringify(r.leaderState.followers()));
  }
  console.log(lines.join('\n'));
});
