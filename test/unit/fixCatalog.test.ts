import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { UsageError } from '../../src/cli/command';
import { fixCommand } from '../../src/cli/commands/fix';
import { documentLanguage, FIX_CATALOG, FIX_KINDS, fixKindsMadeFrom, isFixKind, ORPHAN_FIX_KINDS, type FixKind, type LanguageId } from '../../src/core/fixes/fixCatalog';
import { fixesFromSnapshot, STATIC_FIX_KINDS } from '../../src/core/fixes/fixPlan';
import { staticFix } from '../support/staticFix';
import { CgroupTree } from '../../src/core/model/cgroupTree';
import { SNAPSHOT_SCHEMA, type Snapshot } from '../../src/core/model/snapshot';
import { fixKindTable, README, TABLE_BEGIN, TABLE_END } from '../../scripts/readmeFixTable';

// The fix-kind catalog is the one home of a kind of fix: the CLI's help, the quick pick, the
// documents' languages and the README's table are made from it, and these tests say so.

const LANGUAGES: readonly LanguageId[] = ['shellscript', 'yaml', 'toml', 'json', 'properties', 'plaintext'];

function node(): Snapshot {
  const tree = new CgroupTree(4);
  tree.add('/');
  tree.seal();
  const h = { id: 1, kind: 'v1' as const, controllers: ['memory'], name: 'memory', mountPoint: '/sys/fs/cgroup/memory', mountRoot: '/', walkRoot: '/sys/fs/cgroup/memory', basePath: '/', mtimeSupported: true, tree, bounds: [], vanished: [] };
  return { schema: SNAPSHOT_SCHEMA, takenAt: 0, source: { transport: 'test' }, node: { pidMax: 32768, kernel: '3.10.0-1160.el7.x86_64', systemd: '219', cmdline: 'ro' }, procCgroups: [], mounts: [], hierarchies: [h], warnings: [] };
}

describe('the fix-kind catalog', () => {
  it('is total: every kind has its words, a language, what it needs and a generator', () => {
    assert.deepEqual([...FIX_KINDS], Object.keys(FIX_CATALOG));
    assert.equal(new Set(FIX_KINDS).size, FIX_KINDS.length);
    for (const k of FIX_KINDS) {
      const e = FIX_CATALOG[k];
      for (const [field, text] of Object.entries({ label: e.label, description: e.description, help: e.help, ...e.readme })) {
        assert.ok(text.trim().length > 0, `${k}: ${field}`);
        assert.ok(!text.includes('\n'), `${k}: ${field} is one line`);
      }
      assert.ok(LANGUAGES.includes(e.language), `${k}: language ${e.language}`);
      for (const [ext, lang] of Object.entries(e.languageByExtension ?? {})) {
        assert.match(ext, /^[a-z0-9]+$/, `${k}: extension ${ext} is lower case, no dot`);
        assert.ok(LANGUAGES.includes(lang), `${k}: .${ext} language ${lang}`);
      }
      assert.ok(['nothing', 'snapshot', 'live'].includes(e.needs.from), `${k}: needs`);
      if (e.needs.from === 'live') assert.ok(e.needs.why.length > 0, `${k}: why it needs the live node`);
      assert.equal(typeof e.generate, 'function', `${k}: generator`);
    }
    // The quick pick tells kinds apart by label; the e2e test picks "Cleanup script".
    assert.equal(new Set(FIX_KINDS.map((k) => FIX_CATALOG[k].label)).size, FIX_KINDS.length, 'labels are unique');
    assert.equal(FIX_CATALOG.cleanup.label, 'Cleanup script');
  });

  it('knows its kinds and nothing else', () => {
    for (const k of FIX_KINDS) assert.ok(isFixKind(k), k);
    for (const name of ['', 'toString', 'constructor', '__proto__', 'Cleanup', 'cleanup ']) assert.equal(isFixKind(name), false, JSON.stringify(name));
  });

  it('says what each kind is made from, as the CLI and the extension ask it', () => {
    assert.deepEqual(fixKindsMadeFrom('live'), ['cleanup', 'driver', 'kubelet', 'containerd', 'crio', 'podspec']);
    assert.deepEqual(fixKindsMadeFrom('snapshot'), ['sysctl']);
    assert.deepEqual([...STATIC_FIX_KINDS], ['prometheus', 'npd', 'bpftrace', 'grafana', 'daemonset']);
    assert.deepEqual([...ORPHAN_FIX_KINDS], ['cleanup', 'podspec']);
    assert.deepEqual(FIX_KINDS.filter((k) => FIX_CATALOG[k].patchesNodeFiles), ['driver', 'kubelet', 'containerd', 'crio']);
  });

  it('makes the kinds that do not need the live node from a saved snapshot, and refuses the others', () => {
    const snapshot = node();
    const report = { findings: [] } as unknown as Parameters<typeof fixesFromSnapshot>[1]['report'];
    for (const k of FIX_KINDS) {
      // fix daemonset's manifests carry the bundled CLI, which the front end supplies.
      const docs = fixesFromSnapshot(k, { snapshot, report, options: { liveFacts: false, ...(k === 'daemonset' ? { daemonSet: { bundle: '#!/usr/bin/env node\nconsole.log(1)\n' } } : {}) } });
      if (FIX_CATALOG[k].needs.from === 'live') assert.equal(docs, undefined, k);
      else assert.ok(docs && docs.length > 0, k);
    }
    const [sysctl] = fixesFromSnapshot('sysctl', { snapshot, report, options: { liveFacts: false } }) ?? [];
    assert.match(sysctl?.content ?? '', /kmem accounting was not checked: it needs the live node/);
  });

  it("opens each document in its kind's language, refined by the target file's extension only where the catalog says so", () => {
    const lang = (kind: FixKind, targetPath?: string): LanguageId => documentLanguage({ kind, ...(targetPath !== undefined ? { targetPath } : {}) });
    // The static kinds' real documents.
    assert.deepEqual(staticFix('npd').map(documentLanguage), ['json', 'shellscript']);
    assert.deepEqual(staticFix('prometheus').map(documentLanguage), ['yaml']);
    assert.deepEqual(staticFix('grafana').map(documentLanguage), ['json']);
    assert.deepEqual(staticFix('bpftrace').map(documentLanguage), ['plaintext']);
    // The files the node's fixes target (as the extension opened them before the catalog).
    const cases: [FixKind, string | undefined, LanguageId][] = [
      ['cleanup', undefined, 'shellscript'],
      ['kubelet', '/var/lib/kubelet/config.yaml', 'yaml'],
      ['kubelet', '/etc/kubernetes/kubelet-config.json', 'json'],
      ['kubelet', '/etc/systemd/system/kubelet.service.d/10-kubeadm.conf', 'properties'],
      ['kubelet', '/var/lib/kubelet/kubeadm-flags.env', 'yaml'],
      ['kubelet', undefined, 'yaml'],
      ['containerd', '/etc/containerd/config.toml', 'toml'],
      ['crio', '/etc/crio/crio.conf', 'toml'],
      ['crio', '/etc/crio/crio.conf.d/99-cgroup-forensics.conf', 'toml'],
      ['sysctl', '/etc/sysctl.d/90-cgroup-forensics.conf', 'properties'],
      ['sysctl', undefined, 'properties'],
      ['podspec', undefined, 'yaml'],
      // An extension the catalog does not name for the kind keeps the kind's language.
      ['containerd', '/etc/containerd/config.json', 'toml'],
      ['cleanup', '/tmp/cleanup.SH', 'shellscript'],
    ];
    for (const [kind, path, want] of cases) assert.equal(lang(kind, path), want, `${kind} ${path ?? '(no file)'}`);
  });

  it('fix --help lists exactly the catalog kinds, in its order, each with its help', () => {
    const lines = fixCommand.help.split('\n');
    const start = lines.findIndex((l) => /^ {2}KIND {2,}/.test(l));
    const end = lines.findIndex((l, i) => i > start && /^ {2}--/.test(l));
    assert.ok(start >= 0 && end > start);
    const block = lines.slice(start + 1, end);
    const named = block.filter((l) => /^ {4}\S/.test(l)).map((l) => l.trim().split(/\s+/)[0]);
    assert.deepEqual(named, [...FIX_KINDS]);
    const text = block.join('\n');
    for (const k of FIX_KINDS) {
      const at = text.search(new RegExp(`^ {4}${k} `, 'm'));
      const next = text.slice(at + 1).search(/^ {4}\S/m);
      const own = (next < 0 ? text.slice(at) : text.slice(at, at + 1 + next)).replace(/\s+/g, ' ').trim();
      assert.equal(own, `${k} ${FIX_CATALOG[k].help}`, k);
    }
    for (const l of block) assert.ok(l.length <= 96, `fits the help's width: ${l}`);
    // What works from a saved snapshot is said from the catalog's needs.
    assert.match(fixCommand.help.replace(/\s+/g, ' '), /From a saved snapshot \(--from\): sysctl \(from the snapshot's kernel, systemd, pid_max and cgroup tree; kmem accounting is not checked\) and the node-independent kinds \(prometheus, npd, bpftrace, grafana, daemonset\) work; cleanup, driver, kubelet, containerd, crio, podspec need the live node's files/);
  });

  it('fix with no kind, or one the catalog lacks, is bad usage naming the catalog kinds', async () => {
    for (const args of [[], ['nope'], ['toString'], ['cleanup', 'driver']]) {
      await assert.rejects(
        fixCommand.run({ args, options: {}, signal: new AbortController().signal, write: () => undefined, transport: () => Promise.reject(new Error('no transport in this test')) }),
        (e: Error) => e instanceof UsageError && e.message === `fix takes one KIND: ${FIX_KINDS.join(', ')}`,
        JSON.stringify(args),
      );
    }
  });

  it("README's fix-kind table is the one made from the catalog (npx tsx scripts/readmeFixTable.ts rewrites it)", () => {
    const readme = readFileSync(README, 'utf8');
    const begin = readme.indexOf(TABLE_BEGIN);
    const end = readme.indexOf(TABLE_END);
    assert.ok(begin >= 0 && end > begin, 'README.md has the fix-kind table markers');
    assert.equal(readme.slice(begin + TABLE_BEGIN.length, end).trim(), fixKindTable(), 'README.md: run npx tsx scripts/readmeFixTable.ts');
    const kinds = fixKindTable()
      .split('\n')
      .slice(2)
      .map((row) => /^\| `([^`]+)` \|/.exec(row)?.[1]);
    assert.deepEqual(kinds, [...FIX_KINDS]);
  });
});
