// Debian's sshd on a loopback port for a benchmark, with a host key and an authorized user key of
// the run's own in DIR, and an ssh_config naming it under each alias given. Returns
// { proc, port, sshConfig, logFile, stop() }.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const freePort = () =>
  new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });

export async function startSshd(dir, { aliases = ['bench-node'], config = [] } = {}) {
  const keygen = (f) => execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', f], { stdio: 'ignore' });
  keygen(join(dir, 'host'));
  keygen(join(dir, 'id'));
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'id.pub')));
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const port = await freePort();
  const cfg = join(dir, 'sshd_config');
  // sshd takes the first value of a keyword, so the caller's lines come first.
  writeFileSync(cfg, [...config, `Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${join(dir, 'host')}`, 'PidFile none', `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`, 'StrictModes no', 'UsePAM no', 'PermitRootLogin yes', 'PasswordAuthentication no', ''].join('\n'));
  // sshd logs to a file, not a pipe: a benchmark times the CLI with spawnSync, which blocks this
  // process's event loop, so a pipe is not drained and every sshd process that logs once its 64 KiB
  // are full blocks, connections and all (after a hundred logins, nodes stopped answering).
  const logFile = join(dir, 'sshd.log');
  const logFd = openSync(logFile, 'a');
  const proc = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', cfg], { stdio: ['ignore', 'ignore', logFd] });
  closeSync(logFd);
  const started = Date.now();
  for (;;) {
    const log = readFileSync(logFile, 'utf8');
    if (/Server listening on/.test(log)) break;
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`sshd exited: ${log}`);
    if (Date.now() - started > 10_000) {
      proc.kill('SIGKILL');
      throw new Error(`sshd did not start: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const [type, b64] = readFileSync(join(dir, 'host.pub'), 'utf8').split(' ');
  writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${type} ${b64}\n`);
  const sshConfig = join(dir, 'ssh_config');
  const block = (alias) => [`Host ${alias}`, '  HostName 127.0.0.1', `  Port ${port}`, '  User root', `  IdentityFile ${join(dir, 'id')}`, '  IdentitiesOnly yes', `  UserKnownHostsFile ${join(dir, 'known_hosts')}`, '  GlobalKnownHostsFile /dev/null', '  IdentityAgent none', ''].join('\n');
  writeFileSync(sshConfig, aliases.map(block).join(''));
  const stop = async () => {
    proc.kill('SIGTERM');
    await new Promise((r) => (proc.exitCode !== null || proc.signalCode !== null ? r() : proc.once('exit', r)));
  };
  return { proc, port, sshConfig, logFile, stop };
}
