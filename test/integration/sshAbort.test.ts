import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { SshTransport } from '../../src/core/transport/ssh/sshTransport';
import { isAbortError, type Transport } from '../../src/core/transport/transport';
import { traceLiveChurn } from '../../src/core/trends/liveChurn';
import { killMarked, marked } from '../support/marked';
import { needs, toolMissing } from '../support/prereq';
import { hostBlock, ScriptedInteraction, SshLab, sshdMissing, TestSshd } from '../support/sshd';

// Cancelling a remote program over a real sshd stops it on the node, however deep it runs under
// `timeout` (GNU timeout leaves the session's process group, which is all sshd's "signal" request
// reaches): the wrapper's watcher ends it when the channel closes. The programs carry a marker in
// their environment, so the test finds exactly its own processes in /proc (and ends leftovers by pid).
const have = toolMissing;

function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Waits up to ms for a process carrying the marker to run; whether one did. */
async function appears(mark: string, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (marked(mark).length) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

async function gone(mark: string, ms: number): Promise<number[]> {
  const end = Date.now() + ms;
  for (;;) {
    const left = marked(mark);
    if (!left.length || Date.now() > end) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('ssh: cancel stops the remote program', function () {
  this.timeout(60_000);
  let lab: SshLab;
  let sshd: TestSshd;
  let t: SshTransport;

  before(async function () {
    needs(this, sshdMissing());
    lab = new SshLab();
    mkdirSync(lab.path('home'));
    sshd = await TestSshd.start(lab, 'abort', { config: [`SetEnv HOME=${lab.path('home')}`] });
    const knownHosts = lab.write('known_hosts', `[127.0.0.1]:${sshd.port} ${sshd.hostKeyPublic()}\n`);
    t = new SshTransport({ alias: 'node', configFile: lab.write('abort.config', hostBlock('node', { port: sshd.port, identityFile: lab.userKey, knownHosts })), interaction: new ScriptedInteraction() });
  });

  after(async () => {
    t?.dispose();
    await sshd?.stop();
    lab?.remove();
  });

  /** Runs fn with a fresh marker; whatever still carries it afterwards is reported and ended. */
  async function withMark(fn: (mark: string) => Promise<void>): Promise<void> {
    const mark = randomBytes(6).toString('hex');
    try {
      await fn(mark);
    } finally {
      killMarked(mark);
    }
  }

  /** What a leftover pid is, for the failure message: name, parent, group, session, state, owner. */
  function describe(pid: number): string {
    try {
      const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      return `${pid} ${comm(pid)} state ${f[0]} ppid ${f[1]} pgid ${f[2]} sid ${f[3]} uid ${uid}`;
    } catch {
      return `${pid} (gone)`;
    }
  }

  /**
   * Cancelled once it runs (its marked `sleep` is seen in /proc): a sleep under a nested `timeout`
   * of its own. Cancelled while it is being started (right after the request; sshd may still
   * start it after the abort): a program with a child of its own. Nothing of either may be left.
   * (Not a nested `timeout` while starting: GNU timeout loses its child to a TERM that lands while
   * it forks, before it knows the child's pid (coreutils 9.1 src/timeout.c installs its handler
   * before fork() and does not block signals across it); the wrapper's own `timeout` is signalled
   * through its process group, which a fork cannot escape, but a group the program makes for
   * itself is its own.)
   */
  const abortedLeavesNothing = (on: Transport, when: 'running' | 'starting'): Promise<void> =>
    withMark(async (mark) => {
      const ac = new AbortController();
      if (when === 'starting') setTimeout(() => ac.abort(), 0);
      else
        void (async () => {
          const end = Date.now() + 20_000;
          while (!ac.signal.aborted && Date.now() < end && !marked(mark).some((p) => comm(p) === 'sleep')) await new Promise((r) => setTimeout(r, 20));
          ac.abort();
        })();
      const program = when === 'running' ? ['timeout', '100', 'sleep', '100'] : ['sh', '-c', 'sleep 100 & exec sleep 100'];
      const e = await on.run({ argv: ['env', `CF_MARK=${mark}`, ...program], signal: ac.signal, onStdout: () => undefined }).then(
        () => undefined,
        (x: unknown) => x,
      );
      assert.ok(isAbortError(e), String(e));
      // Cancelled while starting, the program may still be started on the node after the abort
      // (the exec request was already sent): wait for it to appear (or not) before judging.
      if (when === 'starting') await appears(mark, 3000);
      const left = await gone(mark, 5000);
      assert.deepEqual(left, [], `nothing of the program is left on the node (cancelled while ${when}): ${left.map(describe).join('; ')}; sshd said: ${sshd.logText.slice(-1500)}`);
    });

  it('a program under a nested timeout is gone soon after the abort', async () => {
    await abortedLeavesNothing(t, 'running');
    await abortedLeavesNothing(t, 'starting');
  });

  it('as a non-root login, where sshd passes the signal on: the program under timeout is gone too', async () => {
    // sshd sends a non-root session's signal request to the session's process group, which
    // `timeout` has left: the wrapper traps the TERM and passes it on.
    const user = `cfab${randomBytes(3).toString('hex')}`;
    // '*': no password, but not a locked account (sshd refuses any login to a locked one).
    execFileSync('useradd', ['-m', '-s', '/bin/sh', '-p', '*', user]);
    const knownHosts = lab.path('known_hosts');
    const u = new SshTransport({ alias: 'user', configFile: lab.write('abort-user.config', hostBlock('user', { port: sshd.port, user, identityFile: lab.userKey, knownHosts })), interaction: new ScriptedInteraction() });
    try {
      let who = '';
      await u.run({ argv: ['id', '-un'], onStdout: (c) => (who += c.toString()) });
      assert.equal(who.trim(), user);
      await abortedLeavesNothing(u, 'running');
      await abortedLeavesNothing(u, 'starting');
      // Exit statuses past 128 that are no signal's stay exit statuses.
      const r = await u.run({ argv: ['sh', '-c', 'exit 147'], onStdout: () => undefined });
      assert.deepEqual([r.exitCode, r.signal], [147, null]);
    } finally {
      u.dispose();
      execFileSync('userdel', ['-r', '-f', user], { stdio: 'ignore' });
    }
  });

  it('a program that ends by itself still reports its status and output', async () => {
    let out = '';
    const r = await t.run({ argv: ['sh', '-c', 'echo hi; exit 3'], onStdout: (c) => (out += c.toString()) });
    assert.deepEqual([r.exitCode, r.signal, out], [3, null, 'hi\n']);
    const k = await t.run({ argv: ['sh', '-c', 'kill -KILL $$'], onStdout: () => undefined });
    assert.deepEqual([k.exitCode, k.signal], [null, 'SIGKILL'], 'a program ended by a signal reads as such');
  });

  it('a cancelled bpftrace churn trace stops on the node', async function () {
    needs(this, have('bpftrace') ?? have('unshare'));
    await withMark(async (mark) => {
      // No tracefs is mounted here: the trace runs in a mount namespace of its own with tracefs
      // mounted there (as test/integration/liveChurn.test.ts does locally).
      const viaNamespace: Transport = {
        label: t.label,
        run: (req) => t.run({ ...req, argv: ['env', `CF_MARK=${mark}`, 'unshare', '-m', 'sh', '-c', 'mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing; exec "$@"', 'sh', ...req.argv] }),
        dispose: () => undefined,
      };
      const ac = new AbortController();
      const started = Date.now();
      // Aborted once bpftrace runs (its process is there), not before.
      const timer = setInterval(() => {
        if (marked(mark).some((p) => comm(p) === 'bpftrace') && Date.now() - started > 1500) ac.abort();
      }, 200);
      try {
        const r = await traceLiveChurn(viaNamespace, 120, ac.signal);
        assert.ok(!r.ok && r.error.code === 'cancelled', JSON.stringify(r));
      } finally {
        clearInterval(timer);
      }
      assert.ok(Date.now() - started < 30_000, `${Date.now() - started} ms`);
      assert.deepEqual(await gone(mark, 10_000), [], 'bpftrace and its timeouts are gone from the node');
    });
  });
});
