// The data directory holds every key and value: only the node's own user may read it. A
// directory others can write to may already hold files planted by someone else, so the node
// refuses it rather than trusting what it finds; looser read permissions are tightened.
import { chmod, mkdir, stat } from 'node:fs/promises';
import type { Logger } from 'pino';

/** Creates `dir` (0700) or checks an existing one; throws when others may write to it. */
export async function prepareDataDir(dir: string, log: Pick<Logger, 'warn'>): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const mode = (await stat(dir)).mode & 0o777;
  if ((mode & 0o002) !== 0) {
    throw new Error(`data directory ${dir} is writable by every user (mode ${mode.toString(8).padStart(4, '0')}): refusing to start; make it private with chmod 700 ${dir}`);
  }
  if ((mode & 0o077) !== 0) {
    await chmod(dir, 0o700);
    log.warn({ dataDir: dir, was: mode.toString(8).padStart(4, '0') }, 'data directory was readable by other users; made it 0700');
  }
}
