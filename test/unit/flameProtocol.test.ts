import assert from 'node:assert/strict';
import { CgroupTree, STAT_NAMES } from '../../src/core/model/cgroupTree';
import { SNAPSHOT_SCHEMA, type Snapshot } from '../../src/core/model/snapshot';
import { findByDisplayPath, flameMessages, kindOf, verdictsOf } from '../../src/extension/flame/flameData';
import { shouldReveal } from '../../src/extension/flame/revealPolicy';
import type { Finding } from '../../src/core/analysis/finding';
import { flameCsp, flameHtml, makeNonce } from '../../src/extension/flame/html';
import { FLAME_STATS, KIND, VERDICT, parseFromWebview, parseToWebview, type SnapshotChunk, type ToWebview } from '../../src/protocol/flameProtocol';
import { identityOfPath } from '../../src/core/model/k8sIdentity';
import { pathsOf, SnapshotAssembler, type FlameSnapshot } from '../../webview/src/flame/model';

const POD = 'kubepods-burstable-pod12345678_1234_1234_1234_123456789abc.slice';
const CTR = `cri-containerd-${'ab'.repeat(32)}.scope`;

function stats(memory: number, procs = 0): number[] {
  return STAT_NAMES.map((s) => (s === 'memory' ? memory : s === 'procs' ? procs : NaN));
}

/** A small real model: kubepods with a pod and a container, a system unit, and hostile names. */
function snapshot(): Snapshot {
  const t = new CgroupTree(4);
  t.add('/', stats(1000));
  t.add('/kubepods.slice', stats(600));
  t.add('/kubepods.slice/kubepods-burstable.slice', stats(500));
  t.add(`/kubepods.slice/kubepods-burstable.slice/${POD}`, stats(400));
  t.add(`/kubepods.slice/kubepods-burstable.slice/${POD}/${CTR}`, stats(300, 2));
  t.add('/system.slice', stats(200));
  t.add('/system.slice/cron.service', stats(100, 1));
  t.add('/<img src=x onerror=alert(1)>', stats(10));
  t.add('/line\nbreak\xff', stats(5)); // a newline and a byte that is not UTF-8
  t.seal();
  return {
    schema: SNAPSHOT_SCHEMA,
    takenAt: 1_700_000_000_000,
    source: { transport: 'local' },
    node: {},
    procCgroups: [],
    mounts: [],
    hierarchies: [
      { id: 0, kind: 'v2', controllers: [], name: 'unified', mountPoint: '/sys/fs/cgroup', mountRoot: '/', walkRoot: '/sys/fs/cgroup', basePath: '/', mtimeSupported: true, tree: t, bounds: [], vanished: [] },
    ],
    warnings: [],
  };
}

function roundTrip(msgs: Iterable<ToWebview>): FlameSnapshot {
  const a = new SnapshotAssembler();
  let out: FlameSnapshot | undefined;
  for (const raw of msgs) {
    // Every message passes the webview's own validation, as it would arriving by postMessage.
    const p = parseToWebview(structuredClone(raw));
    assert.ok(p.ok, p.ok ? '' : p.error);
    const m = p.value;
    if (m.type === 'snapshotBegin') a.begin(m);
    else if (m.type === 'snapshotChunk') assert.equal(a.chunk(m), undefined);
    else if (m.type === 'snapshotEnd') {
      const s = a.end(m.snapshotId);
      assert.notEqual(typeof s, 'string', String(s));
      out = s as FlameSnapshot;
    }
  }
  assert.ok(out);
  return out;
}

describe('flame view protocol', () => {
  it('sends a snapshot in chunks that the webview reassembles exactly', () => {
    const s = snapshot();
    const msgs = [...flameMessages(s, { snapshotId: 7, role: 'current', label: 'This machine', source: 'local' }, 3)];
    assert.equal(msgs.filter((m) => m.type === 'snapshotChunk').length, 3, '9 cgroups in chunks of 3');
    const got = roundTrip(msgs);
    const t = s.hierarchies[0]!.tree;
    const h = got.hierarchies[0]!;
    assert.equal(got.source, 'local');
    assert.equal(h.size, t.size);
    assert.deepEqual([...h.parent], [...t.parent.subarray(0, t.size)]);
    assert.deepEqual(h.stats.memory[4], 300);
    assert.deepEqual(h.stats.procs[4], 2);
    // Names arrive as display text: the newline and the invalid byte are escaped, so the '\n'
    // that joins names on the wire never splits one.
    assert.equal(h.names[8], 'line\\nbreak\\xff');
    assert.equal(h.names[7], '<img src=x onerror=alert(1)>');
    assert.deepEqual(pathsOf(h).slice(3, 5), [`/kubepods.slice/kubepods-burstable.slice/${POD}`, `/kubepods.slice/kubepods-burstable.slice/${POD}/${CTR}`]);
    assert.deepEqual([...h.kinds], [KIND.other, KIND.slice, KIND.slice, KIND.pod, KIND.container, KIND.slice, KIND.system, KIND.other, KIND.other]);
  });

  it('carries the orphan marks the host gives (the findings\' verdict), in the right hierarchy only, across chunks', () => {
    const s = snapshot();
    const name = s.hierarchies[0]!.name;
    const verdicts = [
      { hierarchy: name, path: `/kubepods.slice/kubepods-burstable.slice/${POD}/${CTR}`, verdict: 'orphan' as const },
      { hierarchy: 'another-hierarchy', path: `/kubepods.slice/kubepods-burstable.slice/${POD}`, verdict: 'orphan' as const },
      { hierarchy: name, path: '/not-in-the-snapshot', verdict: 'orphan' as const },
    ];
    const h = roundTrip([...flameMessages(s, { snapshotId: 1, role: 'current', label: 'x', source: 'local', verdicts }, 3)]).hierarchies[0]!;
    assert.deepEqual([...h.verdict], [0, 0, 0, 0, 1, 0, 0, 0, 0]);
    const none = roundTrip([...flameMessages(s, { snapshotId: 2, role: 'current', label: 'x', source: 'local' }, 3)]).hierarchies[0]!;
    assert.deepEqual([...none.verdict], new Array(9).fill(0), 'no findings, no marks: an empty pod cgroup is not guessed to be an orphan');
  });

  it("marks the findings' verdicts (core's orphanVerdict) and empty pod cgroups as empty, never as orphans", () => {
    const s = snapshot();
    const t = s.hierarchies[0]!.tree;
    // The pod's container loses its processes: the pod and the container are empty.
    t.stats.procs[4] = 0;
    const pod = `/kubepods.slice/kubepods-burstable.slice/${POD}`;
    const finding = (f: Partial<Finding>): { core: Finding; cgroups: { hierarchy: string; path: string }[] } => ({
      core: { kind: 'orphaned-pod-cgroup', severity: 'warning', confidence: 'high', title: 't', cgroups: [], evidence: [], ...f },
      cgroups: [{ hierarchy: 'unified', path: pod }, { hierarchy: 'unified', path: `${pod}/${CTR}` }],
    });
    const verdictOf = (fs: ReturnType<typeof finding>[]): number[] =>
      [...roundTrip([...flameMessages(s, { snapshotId: 1, role: 'current', label: 'x', source: 'local', verdicts: verdictsOf(fs) }, 4)]).hierarchies[0]!.verdict];
    // No finding (kubelet knows the pod, or it is within the grace period): empty, not orphan.
    assert.deepEqual(verdictOf([]).slice(3, 5), [VERDICT.empty, VERDICT.empty]);
    assert.deepEqual(verdictOf([finding({})]).slice(3, 5), [VERDICT.empty | VERDICT.orphan, VERDICT.empty | VERDICT.orphan]);
    assert.deepEqual(verdictOf([finding({ knownToApi: 'default/web' })]).slice(3, 5), [VERDICT.empty | VERDICT.knownToApi, VERDICT.empty | VERDICT.knownToApi]);
    assert.deepEqual(verdictOf([finding({ confidence: 'low' })]).slice(3, 5), [VERDICT.empty | VERDICT.lowConfidence, VERDICT.empty | VERDICT.lowConfidence]);
    // Not an orphan kind: no verdict at all.
    assert.deepEqual(verdictsOf([finding({ kind: 'dying-cgroups' })]), []);
    // Slices and system units are never "empty" marks; a container with a process is not empty.
    assert.equal(verdictOf([])[1], 0);
    assert.equal(verdictOf([])[6], 0);
    t.stats.procs[4] = 2;
    assert.deepEqual(verdictOf([]).slice(3, 5), [0, 0]);
  });

  it('reveals a selected cell in the Nodes tree only while that view is visible, and always on "Reveal in Nodes"', () => {
    assert.equal(shouldReveal('select', true), true);
    assert.equal(shouldReveal('select', false), false, 'a click must not open a hidden side bar');
    assert.equal(shouldReveal('reveal', false), true);
    assert.equal(shouldReveal('reveal', true), true);
    const ok = parseFromWebview({ type: 'reveal', hierarchy: 'unified', path: '/a' });
    assert.ok(ok.ok && ok.value.type === 'reveal');
    assert.ok(!parseFromWebview({ type: 'reveal', hierarchy: 'unified', path: 'a' }).ok);
  });

  it('finds a cgroup again by the display path the webview reports', () => {
    const h = snapshot().hierarchies[0]!;
    assert.equal(findByDisplayPath(h, '/line\\nbreak\\xff'), 8);
    assert.equal(findByDisplayPath(h, `/kubepods.slice/kubepods-burstable.slice/${POD}`), 3);
    assert.equal(findByDisplayPath(h, '/'), 0);
    assert.equal(findByDisplayPath(h, '/nope'), undefined);
  });

  it('decides kinds from the Kubernetes identity', () => {
    assert.equal(kindOf(identityOfPath('/kubepods.slice'), 'kubepods.slice'), KIND.slice);
    assert.equal(kindOf(identityOfPath('/kubepods/pod12345678-1234-1234-1234-123456789abc'), 'x'), KIND.pod);
    assert.equal(kindOf(identityOfPath('/system.slice/ssh.service'), 'ssh.service'), KIND.system);
    assert.equal(kindOf(identityOfPath('/plain'), 'plain'), KIND.other);
  });

  it('rejects malformed chunks instead of trusting them', () => {
    const good = [...flameMessages(snapshot(), { snapshotId: 1, role: 'current', label: 'x', source: 'local' }, 100)][1] as SnapshotChunk;
    const variants: [string, unknown][] = [
      ['parent as a plain array', { ...good, parent: [...good.parent] }],
      ['a short stat', { ...good, stats: { ...good.stats, memory: new Float64Array(2) } }],
      ['a missing stat', { ...good, stats: Object.fromEntries(FLAME_STATS.filter((s) => s !== 'pids').map((s) => [s, good.stats[s]])) }],
      ['a parent after its child', { ...good, parent: Int32Array.from(good.parent, (p, i) => (i === 2 ? 5 : p)) }],
      ['a name count that differs', { ...good, names: 'a\nb' }],
      ['no verdict marks', { ...good, verdict: undefined }],
      ['verdict marks of another length', { ...good, verdict: new Uint8Array(1) }],
      ['no snapshot id', { ...good, snapshotId: -1 }],
    ];
    for (const [what, m] of variants) assert.equal(parseToWebview(m).ok, false, what);
    assert.equal(parseToWebview(good).ok, true);
  });

  it('rejects unknown and malformed messages in both directions', () => {
    for (const m of [null, 42, 'ready', [], { type: 'nope' }, { type: 'select', hierarchy: 'unified' }, { type: 'select', hierarchy: 'u', path: 'relative' }, { type: 'refresh' }, { type: 'refresh', requestId: 1.5 }, { type: 'export', requestId: 1, format: 'gif', data: '' }, { type: 'log', level: 'fatal', message: 'x' }]) {
      assert.equal(parseFromWebview(m).ok, false, JSON.stringify(m));
    }
    assert.deepEqual(parseFromWebview({ type: 'select', hierarchy: 'unified', path: '/a', extra: '<b>' }), { ok: true, value: { type: 'select', hierarchy: 'unified', path: '/a' } });
    assert.deepEqual(parseFromWebview({ type: 'ready' }), { ok: true, value: { type: 'ready' } });
    assert.deepEqual(parseFromWebview({ type: 'export', requestId: 3, format: 'png', data: 'AAAA' }), { ok: true, value: { type: 'export', requestId: 3, format: 'png', data: 'AAAA' } });
    for (const m of [{ type: 'focus', hierarchy: 'u' }, { type: 'reply', requestId: 1 }, { type: 'status', level: 'debug', message: 'x' }, { type: 'snapshotBegin', snapshotId: 1, role: 'other', label: '', source: '', takenAt: 0, hierarchies: [] }, { type: 'snapshotBegin', snapshotId: 1, role: 'current', label: '', source: '', takenAt: 0, hierarchies: [{ name: 'x' }] }]) {
      assert.equal(parseToWebview(m).ok, false, JSON.stringify(m));
    }
    assert.deepEqual(parseToWebview({ type: 'reply', requestId: 2, ok: false, message: 'no' }), { ok: true, value: { type: 'reply', requestId: 2, ok: false, message: 'no' } });
  });

  it('builds the page with a strict CSP, a nonce, and no data in it', () => {
    const nonce = makeNonce();
    assert.match(nonce, /^[A-Za-z0-9_-]{24}$/);
    assert.notEqual(makeNonce(), nonce);
    const html = flameHtml({ cspSource: 'https://res.test', nonce, scriptUri: 'https://res.test/flame.js', styleUri: 'https://res.test/flame.css', title: 'Flame: <node>' });
    assert.ok(html.includes(`content="${flameCsp('https://res.test', nonce)}"`));
    assert.match(flameCsp('https://res.test', nonce), /^default-src 'none'; .*script-src 'nonce-/);
    assert.ok(!flameCsp('x', nonce).includes('unsafe'));
    assert.ok(html.includes(`<script nonce="${nonce}" src="https://res.test/flame.js"></script>`));
    assert.ok(html.includes('<title>Flame: &lt;node&gt;</title>'));
    assert.equal((html.match(/<script/g) ?? []).length, 1);
  });
});
