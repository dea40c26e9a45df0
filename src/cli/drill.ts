// `raftdb drill`: a chaos-style failover drill on a fresh cluster (node processes or Docker
// containers), its history checked for linearizability. Exit code 1 when the history is not
// linearizable, acknowledged writes were lost, or the cluster did not recover.
import { type Command, Option } from 'commander';
import { dockerUnavailable, formatReport, NEMESES, parseScenario, runDrill, type DrillCommitMode } from '../drill/index.js';
import { formatDataSafetyReport, runDataSafetyDrill } from '../drill/data-safety.js';
import { type CliIo, CliFailure, UsageError, intSetting, printJson, withOutputOptions } from './common.js';

interface DrillFlags {
  backend: 'process' | 'docker' | 'auto';
  nodes: string;
  scenario: string;
  duration: string;
  clients: string;
  seed?: string;
  mode: DrillCommitMode;
  workload: 'register' | 'append' | 'mixed';
  rate: string;
  history?: string;
  keepData: boolean;
  secure?: boolean;
  json: boolean;
}

/** Registers the drill verb. */
export function registerDrillCommand(program: Command, io: CliIo): void {
  withOutputOptions(
    program
      .command('drill')
      .description('run a failover drill on a fresh cluster and check the history for linearizability')
      .addOption(new Option('--backend <kind>', 'node processes, Docker containers, or docker when available').choices(['process', 'docker', 'auto']).default('auto'))
      .addOption(new Option('--nodes <n>', 'cluster size').choices(['3', '5']).default('3'))
      .option('--scenario <name>', `a nemesis (${NEMESES.join(', ')}), a comma-separated list, all, random or none; or a data-safety drill: disaster, mistake (docs/backup.md)`, 'random')
      .option('--duration <s>', 'seconds of workload and faults', '60')
      .option('--clients <n>', 'concurrent client loops', '4')
      .option('--seed <n>', 'seed of the random schedule (default: random, printed)')
      .addOption(new Option('--mode <mode>', 'commit mode of every write').choices(['sync', 'semi-sync', 'async']).default('semi-sync'))
      .addOption(new Option('--workload <kind>', 'registers, lists, or both').choices(['register', 'append', 'mixed']).default('mixed'))
      .option('--rate <ops>', 'operations per second per client', '20')
      .option('--history <file>', 'write the recorded history here (JSON lines)')
      .option('--keep-data', 'keep the process backend data directory and node logs', false)
      .option('--secure', 'TLS on every port, mutual TLS between nodes, auth on, the workload as a non-root user (default with docker)')
      .option('--no-secure', 'plaintext and auth off (default with process)'),
    io,
    'machine-readable report (same as -w json)',
  )
    .action(async (f: DrillFlags) => {
      if (f.scenario === 'disaster' || f.scenario === 'mistake') return dataSafetyDrill(io, f);
      const opts = await drillOptions(f);
      if (!f.json) io.err(`raftdb drill: ${opts.backend} backend, seed ${opts.seed}\n`);
      const report = await runDrill({ ...opts, log: (line) => io.err(`drill: ${line}\n`) });
      // --json: one document; a failed drill's report carries its `error` (error-json.ts).
      if (!report.pass) {
        if (!f.json) io.out(formatReport(report));
        throw new CliFailure(`drill failed: ${report.problems.join('; ')}`, 'DRILL_FAILED', { ...report });
      }
      if (f.json) printJson(io, report);
      else io.out(formatReport(report));
    });
}

/** disaster / mistake: backup, archive, restore (process backend only). */
async function dataSafetyDrill(io: CliIo, f: DrillFlags): Promise<void> {
  if (f.backend === 'docker') throw new UsageError(`--scenario ${f.scenario} runs on node processes only`);
  const report = await runDataSafetyDrill({
    scenario: f.scenario as 'disaster' | 'mistake',
    durationS: intSetting(f.duration, '--duration', 4, 86_400),
    clients: intSetting(f.clients, '--clients', 1, 64),
    keepData: f.keepData,
    log: (line) => io.err(`drill: ${line}\n`),
  });
  if (!report.pass) {
    if (!f.json) io.out(formatDataSafetyReport(report));
    throw new CliFailure(`drill failed: ${report.problems.join('; ')}`, 'DRILL_FAILED', { ...report });
  }
  if (f.json) printJson(io, report);
  else io.out(formatDataSafetyReport(report));
}

async function drillOptions(f: DrillFlags): Promise<Parameters<typeof runDrill>[0]> {
  try {
    parseScenario(f.scenario);
  } catch (err) {
    throw new UsageError(`--scenario: ${(err as Error).message}`);
  }
  const opts = {
    backend: await chooseBackend(f.backend),
    nodes: Number(f.nodes),
    scenario: f.scenario,
    durationS: intSetting(f.duration, '--duration', 5, 86_400),
    clients: intSetting(f.clients, '--clients', 1, 64),
    seed: f.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : intSetting(f.seed, '--seed', 0, 2 ** 31),
    commitMode: f.mode,
    workload: f.workload,
    opsPerSecond: intSetting(f.rate, '--rate', 1, 1000),
    keepData: f.keepData,
    ...(f.secure !== undefined ? { secure: f.secure } : {}),
  };
  return f.history === undefined ? opts : { ...opts, historyFile: f.history };
}

/** auto: Docker when an engine answers and the image exists, else node processes. */
async function chooseBackend(kind: DrillFlags['backend']): Promise<'process' | 'docker'> {
  if (kind === 'process') return 'process';
  const why = await dockerUnavailable();
  if (kind === 'docker' && why !== null) throw new CliFailure(why);
  return why === null ? 'docker' : 'process';
}
