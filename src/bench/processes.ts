// Load spread over child processes: one Node process saturates a core on client work (gRPC
// encoding, promises) long before a cluster does, so `bench --processes N` runs N load processes,
// starts them at the same moment, and merges their histograms bucket by bucket.
//
// Protocol over the IPC channel (parent → child: run, go, stop; child → parent: ready,
// progress, result, failed).
import { type ChildProcess, spawn } from 'node:child_process';
import type { LoadConfig } from './config.js';
import { type LoadProgress, type LoadResult, LoadRun, mergeResults } from './load.js';

type ToChild = { type: 'run'; config: LoadConfig } | { type: 'go' } | { type: 'stop' };
type FromChild =
  | { type: 'ready' }
  | { type: 'progress'; progress: LoadProgress }
  | { type: 'result'; result: LoadResult }
  | { type: 'failed'; message: string };

const PROGRESS_INTERVAL_MS = 250;
/** Time for a child to connect (and preload) before the run is given up. */
const READY_TIMEOUT_MS = 120_000;

/** A running multi-process load: progress() for the bar, stop() for Ctrl-C, done for the merged result. */
export interface ProcessLoad {
  progress(): LoadProgress;
  stop(): void;
  done: Promise<LoadResult>;
}

/** Runs `configs[i]` in child process i; `command` is the node script and arguments of the worker verb. */
export function runInProcesses(configs: LoadConfig[], command: string[], env: NodeJS.ProcessEnv): ProcessLoad {
  const progress: LoadProgress[] = configs.map(() => ({ phase: 'preload', measuredOps: 0, measuredMs: 0 }));
  const children: ChildProcess[] = [];
  const send = (c: ChildProcess, m: ToChild): void => {
    if (c.connected) c.send(m);
  };
  const done = (async (): Promise<LoadResult> => {
    let ready = 0;
    const results = configs.map((config, i) => {
      // Own process group: a terminal's Ctrl-C reaches only the parent, which sends 'stop' so
      // that every child still reports what it measured.
      const child = spawn(process.execPath, command, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env, detached: true });
      children.push(child);
      return new Promise<LoadResult>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`load process ${i + 1} was not ready within ${READY_TIMEOUT_MS / 1000}s`)), READY_TIMEOUT_MS);
        child.on('message', (m: FromChild) => {
          if (m.type === 'ready') {
            clearTimeout(timer);
            // Every process connected: start them together, so their windows line up.
            if (++ready === configs.length) for (const c of children) send(c, { type: 'go' });
          } else if (m.type === 'progress') progress[i] = m.progress;
          else if (m.type === 'result') resolve(m.result);
          else reject(new Error(`load process ${i + 1}: ${m.message}`));
        });
        // 'close' comes after the IPC channel has delivered everything the child sent.
        child.once('close', (code, signal) => {
          clearTimeout(timer);
          reject(new Error(`load process ${i + 1} exited (${signal ?? `code ${code}`}) without a result`));
        });
        send(child, { type: 'run', config });
      });
    });
    try {
      return mergeResults(await Promise.all(results));
    } finally {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    }
  })();
  return {
    progress: () => ({
      phase: progress.every((p) => p.phase === 'done') ? 'done' : progress.some((p) => p.phase === 'measure' || p.phase === 'done') ? 'measure' : progress[0]!.phase,
      measuredOps: progress.reduce((a, p) => a + p.measuredOps, 0),
      measuredMs: Math.max(...progress.map((p) => p.measuredMs)),
    }),
    stop: () => children.forEach((c) => send(c, { type: 'stop' })),
    done,
  };
}

/** The child side (the hidden `bench-worker` verb): waits for a config, runs it, reports back. */
export async function loadWorker(): Promise<void> {
  if (!process.send) throw new Error('bench-worker runs only as a child of `raftdb bench --processes`');
  const reply = (m: FromChild): void => void process.send!(m);
  const config = await new Promise<LoadConfig>((resolve) => {
    process.once('message', (m: ToChild) => m.type === 'run' && resolve(m.config));
  });
  const run = new LoadRun(config);
  let go!: () => void;
  const started = new Promise<void>((r) => (go = r));
  const onMessage = (m: ToChild): void => {
    if (m.type === 'go') go();
    if (m.type === 'stop') run.stop();
  };
  process.on('message', onMessage);
  process.once('disconnect', () => run.stop());
  const ticker = setInterval(() => reply({ type: 'progress', progress: run.progress() }), PROGRESS_INTERVAL_MS);
  try {
    const result = await run.run(async () => {
      reply({ type: 'ready' });
      await started;
    });
    reply({ type: 'result', result });
  } catch (err) {
    reply({ type: 'failed', message: (err as Error).message });
  } finally {
    clearInterval(ticker);
    process.off('message', onMessage);
    process.disconnect();
  }
}
