// Debian's sshd on a loopback port for a benchmark, with a host key and an authorized user key of
// the run's own in DIR, and an ssh_config naming it under each alias given. Returns
// { proc, port, sshConfig, stop() }.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
  const proc = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise((res, rej) => {
    let log = '';
    const timer = setTimeout(() => rej(new Error(`sshd did not start: ${log}`)), 10_000);
    proc.stderr.on('data', (d) => {
      log += d;
      if (/Server listening on/.test(log)) {
        clearTimeout(timer);
        res();
      }
    });
    proc.once('exit', () => rej(new Error(`sshd exited: ${log}`)));
  });
  proc.stderr.resume();
  const [type, b64] = readFileSync(join(dir, 'host.pub'), 'utf8').split(' ');
  writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${type} ${b64}\n`);
  const sshConfig = join(dir, 'ssh_config');
  const block = (alias) => [`Host ${alias}`, '  HostName 127.0.0.1', `  Port ${port}`, '  User root', `  IdentityFile ${join(dir, 'id')}`, '  IdentitiesOnly yes', `  UserKnownHostsFile ${join(dir, 'known_hosts')}`, '  GlobalKnownHostsFile /dev/null', '  IdentityAgent none', ''].join('\n');
  writeFileSync(sshConfig, aliases.map(block).join(''));
  const stop = async () => {
    proc.kill('SIGTERM');
    await new Promise((r) => (proc.exitCode !== null || proc.signalCode !== null ? r() : proc.once('exit', r)));
  };
  return { proc, port, sshConfig, stop };
}
