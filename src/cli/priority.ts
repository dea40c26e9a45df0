// Lowering the scheduling priority of a `raftdb` process that does bulk work (backup create), so
// that on a machine it shares with a member the member and its clients get the CPU first: niced
// to 19, a backup's receive, checks and compression take what the cluster leaves over. In
// `npm run bench:backup` (docs/performance.md) this alone took client put p99 during a backup
// from 2.07-2.43x of the baseline to 0.94-1.91x. On Linux a nice value belongs to a thread, not
// to the process (setpriority(2), "BUGS"): setting it for the process id changes the main thread
// only, while compression runs on libuv's thread pool and V8 collects garbage on threads of its
// own. So every thread in /proc/self/task is set; threads started later inherit the value of the
// thread that starts them (the main thread, for the thread pool).
import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** The nice value of each thread of this process (of the process alone where threads are not listed). */
export function threadNiceValues(): number[] {
  return threadIds().flatMap((tid) => {
    try {
      return [getPriority(tid)];
    } catch {
      return []; // the thread ended meanwhile
    }
  });
}

/**
 * Lowers every thread of this process to at least `nice` (0-19; higher is lower priority) and
 * returns the lowest nice value left among them. Never raises a priority: a process started under
 * `nice -n 19` stays there whatever `nice` says. A thread that cannot be changed is left as it is.
 */
export function lowerOwnPriority(nice: number): number {
  for (const tid of threadIds()) {
    try {
      if (getPriority(tid) < nice) setPriority(tid, nice);
    } catch {
      // The thread ended meanwhile, or the system refuses: the work runs as before.
    }
  }
  return Math.min(...threadNiceValues());
}

/** Thread ids on Linux; elsewhere 0 (the calling process, where nice values are per process). */
function threadIds(): number[] {
  try {
    return readdirSync('/proc/self/task').map(Number);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; // no /proc: not Linux
    return [0];
  }
}
