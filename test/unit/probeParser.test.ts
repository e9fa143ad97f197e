import assert from 'node:assert/strict';
import { ProbeParser } from '../../src/core/probe/probeParser';
import { escapeField } from '../../src/core/probe/fieldEscape';
import { HOSTILE_NAMES } from '../fixtures/hosts/specs';

const SOURCE = { transport: 'test' };

function record(...fields: string[]): string {
  return fields.join('\t') + '\n';
}

function cg(hid: number, rel: string, stats: Partial<Record<number, string>> = {}): string {
  const f = Array.from({ length: 17 }, (_, i) => stats[i] ?? '');
  return record('C', String(hid), escapeField(rel), ...f);
}

function parse(text: string | Buffer, chunk = 0): ProbeParser {
  const p = new ProbeParser();
  const buf = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
  if (chunk <= 0) p.push(buf);
  else for (let i = 0; i < buf.length; i += chunk) p.push(buf.subarray(i, i + chunk));
  return p;
}

const HEAD = record('V', 'probe', '1') + record('H', '1', 'v2', '', '/sys/fs/cgroup', '/', '/sys/fs/cgroup', '1');

describe('probe record parser', () => {
  it('reads the freezer state (0 thawed, 1 frozen, 2 freezing; empty = not read), and a record of an older probe without it', () => {
    const older = record('C', '1', '/old', ...Array.from({ length: 16 }, () => ''));
    const s = parse(HEAD + cg(1, '/', {}) + cg(1, '/t', { 16: '0' }) + cg(1, '/f', { 16: '1' }) + cg(1, '/f/c', { 16: '2' }) + older + record('Z', 'END')).finish(SOURCE, []);
    const t = s.hierarchies[0]!.tree;
    assert.ok(Number.isNaN(t.stat('frozen', 0)), 'the root has no freezer file');
    assert.deepEqual(['/t', '/f', '/f/c'].map((p) => t.stat('frozen', t.find(p)!)), [0, 1, 2]);
    assert.ok(Number.isNaN(t.stat('frozen', t.find('/old')!)));
  });

  it('builds the tree, stats and facts from records, whatever the chunking', () => {
    const text =
      record('V', 'probe', '1') +
      record('F', 'hostname', 'node-a') +
      record('F', 'uptime', '123.45 99.0') +
      record('F', 'pid_max', '4194304') +
      record('F', 'some_future_fact', 'ignored') +
      record('G', escapeField('memory\t4\t120\t1')) +
      record('M', escapeField('41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw')) +
      record('H', '1', 'v2', '', '/sys/fs/cgroup/unified', '/', '/sys/fs/cgroup/unified', '1') +
      cg(1, '/', { 1: '5', 3: '2', 4: '7' }) +
      cg(1, '/a', { 0: '1700000000', 1: '0', 2: '0', 5: '4096', 11: '3', 12: 'max' }) +
      cg(1, '/a/b', { 11: '1', 12: '100' }) +
      record('Z', 'END');
    for (const chunk of [0, 1, 3, 7, 64]) {
      const p = parse(text, chunk);
      assert.ok(p.complete);
      const s = p.finish(SOURCE, []);
      assert.equal(s.node.hostname, 'node-a');
      assert.equal(s.node.uptimeSeconds, 123.45);
      assert.equal(s.node.pidMax, 4194304);
      assert.deepEqual(s.procCgroups, [{ subsys: 'memory', hierarchy: 4, numCgroups: 120, enabled: true }]);
      const h = s.hierarchies[0]!;
      assert.equal(h.name, 'unified');
      assert.equal(h.tree.size, 3);
      assert.equal(h.tree.stat('procs', 0), 5);
      assert.equal(h.tree.stat('nrDying', 0), 7);
      assert.equal(h.tree.stat('pidsMax', 1), Infinity);
      assert.equal(h.tree.stat('pidsMax', 2), 100);
      assert.ok(Number.isNaN(h.tree.stat('memory', 0)));
      assert.equal(h.tree.path(2), '/a/b');
    }
  });

  it('keeps every hostile name byte for byte, split across chunk boundaries', () => {
    let text = HEAD + cg(1, '/');
    for (const n of HOSTILE_NAMES) text += cg(1, `/${n}`, { 5: '1' });
    text += record('Z', 'END');
    const p = parse(text, 5);
    const t = p.finish(SOURCE, []).hierarchies[0]!.tree;
    const names = Array.from({ length: t.size - 1 }, (_, i) => t.names[i + 1]);
    assert.deepEqual(names, HOSTILE_NAMES);
  });

  it('makes placeholders for parents it has not seen, and fills them in later', () => {
    const p = parse(HEAD + cg(1, '/x/y/z', { 1: '1' }) + cg(1, '/x', { 1: '2' }) + record('Z', 'END'));
    const t = p.finish(SOURCE, []).hierarchies[0]!.tree;
    assert.equal(t.size, 4);
    const x = t.find('/x')!;
    assert.equal(t.seen[x], 1);
    assert.equal(t.stat('procs', x), 2);
    assert.equal(t.seen[t.find('/x/y')!], 0);
  });

  it('records vanished cgroups and bounds', () => {
    const p = parse(HEAD + cg(1, '/') + record('X', '1', escapeField('/gone\tdir'), 'vanished') + record('L', '1', 'count', '10') + record('Z', 'END'));
    const h = p.finish(SOURCE, []).hierarchies[0]!;
    assert.deepEqual(h.vanished, ['/gone\tdir']);
    assert.deepEqual(h.bounds, [{ bound: 'count', limit: 10 }]);
  });

  it('reports the probe’s own errors and a missing end marker', () => {
    const e = parse(record('V', 'probe', '1') + record('E', 'not-cgroupfs', 'not on a cgroup filesystem') + record('Z', 'END'));
    assert.deepEqual(e.problem, { code: 'not-cgroupfs', message: 'not on a cgroup filesystem' });
    const cut = parse(HEAD + cg(1, '/'));
    assert.equal(cut.complete, false);
  });

  it('refuses another protocol and unknown records rather than guessing', () => {
    assert.throws(() => parse(record('V', 'probe', '2')), /protocol 2/);
    assert.throws(() => parse(record('V', 'probe', '1') + record('Q', 'what')), /unexpected probe record/);
    assert.throws(() => parse(record('V', 'probe', '1') + cg(9, '/')), /unknown hierarchy 9/);
  });

  it('derives a sub-tree walk root’s cgroup path from the mount', () => {
    const p = parse(record('V', 'probe', '1') + record('H', '1', 'v1', 'memory', '/sys/fs/cgroup/memory', '/', '/sys/fs/cgroup/memory/kubepods/burstable', '1') + cg(1, '/') + record('Z', 'END'));
    const h = p.finish(SOURCE, []).hierarchies[0]!;
    assert.equal(h.basePath, '/kubepods/burstable');
    assert.deepEqual(h.controllers, ['memory']);
  });
});
