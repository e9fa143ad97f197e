import assert from 'node:assert/strict';
import { evidenceLine, type Evidence } from '../../src/core/analysis/evidence';

// Evidence is data in the core; evidenceLine prints the lines the string evidence printed before,
// so the CLI's text and JSON (`evidence`) say what they always said.
describe('evidence lines', () => {
  it('each kind prints as the line it replaced', () => {
    const items: [Evidence, string][] = [
      [{ kind: 'note', text: 'no processes in it' }, 'no processes in it'],
      [{ kind: 'file', path: '/proc/loadavg', value: '0.1 0.2 0.3 2/300 42' }, '/proc/loadavg: 0.1 0.2 0.3 2/300 42'],
      [{ kind: 'command', command: 'systemctl list-units --all --state=failed,abandoned', output: 'run-r1.scope loaded failed failed' }, 'systemctl list-units --all --state=failed,abandoned shows run-r1.scope loaded failed failed'],
      [{ kind: 'log', signature: 'orphaned-pod', time: Date.parse('2026-11-26T10:00:00Z'), source: 'journalctl -u kubelet', line: 'a: b' }, 'log orphaned-pod 2026-11-26T10:00:00Z journalctl -u kubelet: a: b'],
      [{ kind: 'log', signature: 'slub-alloc-failure', source: 'dmesg', line: 'SLUB' }, 'log slub-alloc-failure time unknown dmesg: SLUB'],
      [{ kind: 'open-fd', pid: 7, fd: '3', target: '/sys/fs/cgroup/x', comm: 'kubelet' }, 'open fd: kubelet (pid 7) holds /proc/7/fd/3 -> /sys/fs/cgroup/x'],
      [{ kind: 'open-fd', pid: 7, fd: '3', target: '/sys/fs/cgroup/x (deleted)' }, '/proc/7/fd/3 -> /sys/fs/cgroup/x (deleted)'],
      [{ kind: 'source', ref: 'https://github.com/containerd/containerd/pull/6961' }, 'source: https://github.com/containerd/containerd/pull/6961'],
      [{ kind: 'memcg-ids', ids: 'held', why: 'kernel 3.10.0-1160.el7.x86_64 is RHEL/CentOS 7' }, 'memcg IDs: held on this kernel: kernel 3.10.0-1160.el7.x86_64 is RHEL/CentOS 7'],
    ];
    for (const [e, line] of items) assert.equal(evidenceLine(e), line);
  });
});
