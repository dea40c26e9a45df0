// Server CPU per operation: user + system time of the server processes from /proc/PID/stat
// (fields 14 and 15, in clock ticks), read before and after the measured window.
import { readFileSync } from 'node:fs';

/** Linux's USER_HZ: /proc times are in these ticks on every architecture Node runs on here. */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far; 0 if it is gone. */
export function cpuSeconds(pid: number): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ESRCH') throw err; // the process is gone
    return 0;
  }
  // The command name (field 2) is in parentheses and may contain spaces: split after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / TICKS_PER_SECOND;
}
