// A real garbage collection from inside a test worker (vitest's workers run without --expose-gc),
// so that memory measured is memory held, not garbage not yet collected.
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Runs one full garbage collection. */
export function gc(): void {
  v8.setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}
