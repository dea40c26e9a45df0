// `raftdb certs init DIR --nodes n1,n2,n3`: a CA and the certificates a local or compose cluster
// needs (src/tls/generate.ts). For production, any CA works: see docs/security.md.
import type { Command } from 'commander';
import { type CliIo, positiveInt, printJson, UsageError } from './common.js';

const list = (v: string): string[] => v.split(',').map((s) => s.trim()).filter(Boolean);

/** Registers `certs init` and `certs client`. */
export function registerCertsCommands(program: Command, io: CliIo): void {
  const certs = program.command('certs').description('make TLS certificates for a cluster');
  certs
    .command('init')
    .description('write ca.crt/ca.key, <node>.crt/<node>.key for each node (server and peer use) and client.crt/client.key into DIR')
    .argument('<dir>', 'directory for the files (created 0700; keys are 0600)')
    .requiredOption('--nodes <ids>', 'node ids, comma-separated: each certificate names its node (CN and DNS name)')
    .option('--hosts <names>', 'extra DNS names or IP addresses for every node certificate, comma-separated', '')
    .option('--client-name <cn>', 'CN of client.crt, the user it authenticates as', 'root')
    .option('--days <n>', 'validity of node and client certificates (the CA: ten times as long)', positiveInt, 365)
    .option('--force', 'replace existing files')
    .option('--keep-existing', 'when DIR already holds the whole set, keep it and exit 0 (for a job run on every start); part of a set is an error')
    .option('--json', 'machine-readable output')
    .action(async (dir: string, o: { nodes: string; hosts: string; clientName: string; days: number; force?: boolean; keepExisting?: boolean; json?: boolean }) => {
      const { initCertificates, checkCertsOptions } = await import('../tls/generate.js');
      if (o.force && o.keepExisting) throw new UsageError('--force and --keep-existing contradict each other');
      const options = { nodes: list(o.nodes), hosts: list(o.hosts), clientName: o.clientName, days: o.days, force: o.force === true, keepExisting: o.keepExisting === true };
      try {
        checkCertsOptions(options);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      const files = await initCertificates(dir, options);
      if (o.json) return printJson(io, { dir, files, kept: files.length === 0 });
      if (files.length === 0) return io.out(`${dir} already holds ca, ${options.nodes.join(', ')} and client certificates: kept\n`);
      for (const f of files) io.out(`${f.path}\t${f.kind}\t${f.subject}\tvalid to ${f.validTo}\n`);
      io.out(`\nserve with: --cert-file ${dir}/<id>.crt --key-file ${dir}/<id>.key --trusted-ca-file ${dir}/ca.crt --peer-cert-file ${dir}/<id>.crt --peer-key-file ${dir}/<id>.key --peer-trusted-ca-file ${dir}/ca.crt\n`);
      io.out(`clients:    --cacert ${dir}/ca.crt [--cert ${dir}/client.crt --key ${dir}/client.key]\n`);
    });

  certs
    .command('client')
    .description('write client-<user>.crt/.key into DIR: a client certificate whose CN is USER, signed by the CA certs init left there')
    .argument('<dir>', 'the directory of certs init (ca.crt, ca.key)')
    .argument('<user>', 'the user the certificate authenticates as (its CN)')
    .option('--days <n>', 'validity', positiveInt, 365)
    .option('--force', 'replace existing files')
    .option('--json', 'machine-readable output')
    .action(async (dir: string, user: string, o: { days: number; force?: boolean; json?: boolean }) => {
      const { issueClientCertificate } = await import('../tls/generate.js');
      let files;
      try {
        files = await issueClientCertificate(dir, user, { days: o.days, force: o.force === true });
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      if (o.json) return printJson(io, { dir, files });
      for (const f of files) io.out(`${f.path}\t${f.kind}\t${f.subject}\tvalid to ${f.validTo}\n`);
    });
}
