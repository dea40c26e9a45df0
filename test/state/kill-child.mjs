// Child process of kill.test.ts: opens the state machine, re-applies a few already-applied
// entries (as a restarted node replaying its log does), then applies batches of deterministic
// entries forever, announcing each batch before applying it and reporting after.
// Usage: node kill-child.mjs <compiled src/state/index.js> <dir> <seed>
import { pathToFileURL } from 'node:url';
import { writeSync } from 'node:fs';

const [modulePath, dir, seedArg] = process.argv.slice(2);
const { StateMachine } = await import(pathToFileURL(modulePath).href);
const { killEntry } = await import(pathToFileURL(modulePath.replace(/src\/state\/index\.js$/, 'test/state/kill-entries.js')).href);

let seed = Number(seedArg) >>> 0;
const rand = (n) => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed % n;
};
// writeSync: the parent must see "applying" before the batch can possibly reach LevelDB.
const say = (line) => writeSync(1, `${line}\n`);

const sm = await StateMachine.open(dir);
say(`open ${sm.appliedIndex()}`);
let next = Math.max(1, sm.appliedIndex() + 1 - rand(8));
for (;;) {
  const size = 1 + rand(40);
  const entries = [];
  for (let i = next; i < next + size; i++) entries.push(killEntry(i));
  say(`applying ${next} ${next + size - 1}`);
  await sm.apply(entries);
  next += size;
  say(`applied ${sm.appliedIndex()}`);
}
