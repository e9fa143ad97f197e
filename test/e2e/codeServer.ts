import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../support/sshd';

/**
 * A real code-server 4.100.3 (VS Code 1.100) from .cache/code-server, installed by
 * scripts/install-code-server.sh. Each test run gets its own user-data and extensions
 * directories in a temporary folder and a free loopback port.
 */
export const REPO = resolve(__dirname, '..', '..');
export const CODE_SERVER_DIR = process.env.CODE_SERVER_CACHE ?? join(REPO, '.cache', 'code-server');
export const CODE_SERVER_ENTRY = join(CODE_SERVER_DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const VSCODE_SERVER_MAIN = join(CODE_SERVER_DIR, 'node_modules', 'code-server', 'lib', 'vscode', 'out', 'server-main.js');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const OUTPUT = join(REPO, 'test-output', 'e2e');

const run = promisify(execFile);

/** Why the end-to-end tests cannot run here, or undefined when they can. */
export function e2eMissing(): string | undefined {
  if (process.platform !== 'linux') return 'the end-to-end tests run on Linux';
  if (!existsSync(join(CODE_SERVER_DIR, '.installed-4.100.3'))) return `code-server 4.100.3 is not installed in ${CODE_SERVER_DIR} (run scripts/install-code-server.sh)`;
  if (!existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM} (apt-get install chromium)`;
  return undefined;
}

/** Builds the extension (production bundle) and packages it; returns the .vsix path. */
export async function packageVsix(): Promise<string> {
  await run('npm', ['run', '--silent', 'package'], { cwd: REPO, maxBuffer: 16 * 1024 * 1024 });
  return join(REPO, '.cache', 'cgroup-forensics.vsix');
}

export interface Profile {
  dir: string;
  userDataDir: string;
  extensionsDir: string;
  workspace: string;
  remove(): void;
}

/** A fresh user-data dir with the given user settings (workspace trust off: no modal in tests). */
export function makeProfile(settings: Record<string, unknown>): Profile {
  const dir = mkdtempSync(join(tmpdir(), 'cf-e2e-profile-'));
  const userDataDir = join(dir, 'user');
  const extensionsDir = join(dir, 'extensions');
  const workspace = join(dir, 'workspace');
  for (const d of [join(userDataDir, 'User'), extensionsDir, workspace]) mkdirSync(d, { recursive: true });
  writeFileSync(
    join(userDataDir, 'User', 'settings.json'),
    JSON.stringify(
      {
        'security.workspace.trust.enabled': false,
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'extensions.ignoreRecommendations': true,
        'telemetry.telemetryLevel': 'off',
        'update.mode': 'none',
        'window.dialogStyle': 'custom',
        'workbench.list.defaultFindMode': 'filter',
        ...settings,
      },
      null,
      2,
    ),
  );
  writeFileSync(join(workspace, 'README.txt'), 'A workspace for the Cgroup Forensics end-to-end test.\n');
  return { dir, userDataDir, extensionsDir, workspace, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function installVsix(p: Profile, vsix: string): Promise<void> {
  const { stdout } = await run(
    process.execPath,
    [CODE_SERVER_ENTRY, '--config', join(p.dir, 'config.yaml'), '--user-data-dir', p.userDataDir, '--extensions-dir', p.extensionsDir, '--install-extension', vsix, '--force'],
    { env: { ...process.env, XDG_CONFIG_HOME: p.dir, XDG_DATA_HOME: p.dir } },
  );
  if (!/successfully installed/.test(stdout)) throw new Error(`installing the vsix failed:\n${stdout}`);
}

export interface Server {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/** Starts a process and waits until a line of its output matches ready. */
async function startUntil(argv: string[], env: NodeJS.ProcessEnv, ready: RegExp, timeoutMs: number): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const output = (): string => out;
  await new Promise<void>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`not ready after ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const onData = (b: Buffer): void => {
      out += b.toString();
      if (ready.test(out)) {
        clearTimeout(timer);
        res();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`exited with ${code}:\n${out}`));
    });
  });
  return { child, output };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(t);
}

/** code-server serving the real workbench for the profile, no auth, loopback only. */
export async function startCodeServer(p: Profile): Promise<Server> {
  const port = await freePort();
  const { child, output } = await startUntil(
    [
      CODE_SERVER_ENTRY,
      '--config', join(p.dir, 'config.yaml'),
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--user-data-dir', p.userDataDir,
      '--extensions-dir', p.extensionsDir,
      p.workspace,
    ],
    { ...process.env, XDG_CONFIG_HOME: p.dir, XDG_DATA_HOME: p.dir },
    /HTTP server listening/,
    60_000,
  );
  return { url: `http://127.0.0.1:${port}/?folder=${encodeURIComponent(p.workspace)}`, output, stop: () => stopChild(child) };
}

/**
 * VS Code's own server (as its browser integration tests use it) with an extension under
 * development and a mocha suite to run in its extension host.
 */
export async function startTestServer(p: Profile, extensionDevelopmentPath: string, extensionTestsPath: string, env: NodeJS.ProcessEnv = {}): Promise<Server> {
  const port = await freePort();
  const { child, output } = await startUntil(
    [
      VSCODE_SERVER_MAIN,
      '--host', '127.0.0.1',
      '--port', String(port),
      '--without-connection-token',
      '--accept-server-license-terms',
      '--disable-telemetry',
      '--disable-workspace-trust',
      '--user-data-dir', p.userDataDir,
      '--server-data-dir', join(p.dir, 'server-data'),
      '--extensions-dir', p.extensionsDir,
      '--extensionDevelopmentPath', extensionDevelopmentPath,
      '--extensionTestsPath', extensionTestsPath,
    ],
    { ...process.env, ...env },
    /Extension host agent listening on|Web UI available at/,
    60_000,
  );
  return { url: `http://127.0.0.1:${port}/?folder=${encodeURIComponent(p.workspace)}`, output, stop: () => stopChild(child) };
}
