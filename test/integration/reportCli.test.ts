import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'parse5';
import { v2SystemdHost } from '../fixtures/hosts/specs';
import { makeFakeHost, v2Files, type FakeHost } from '../support/fakeHost';

// The built CLI's `report` (Markdown, HTML, JSON rendered in the core) on a fake node read with
// --host-root and on a saved snapshot (--from), with a cgroup named to break out of HTML.
const repo = join(__dirname, '..', '..');
const cli = join(repo, 'dist', 'cli.js');
const SCRIPT = '<script>alert(1)<';

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function checkHtml(html: string): void {
  const errors: string[] = [];
  parse(html, { onParseError: (e) => errors.push(e.code) });
  assert.deepEqual(errors, [], 'the page parses without an error');
  assert.doesNotMatch(html, /<script/i);
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;'), 'the hostile name is shown, escaped');
}

describe('cgroup-forensics report', function () {
  this.timeout(120_000);
  let host: FakeHost | undefined;
  let dir: string | undefined;

  before(() => {
    if (!existsSync(cli)) execFileSync(process.execPath, [join(repo, 'scripts', 'build.mjs')], { cwd: repo });
    const spec = v2SystemdHost();
    spec.cgroups['/sys/fs/cgroup']![`/${SCRIPT}`] = v2Files({ memory: 4096, frozen: 'self' });
    host = makeFakeHost(spec);
    dir = mkdtempSync(join(tmpdir(), 'cf-report-'));
  });
  after(() => {
    host?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes Markdown by default, HTML and JSON on request, from a node filesystem (--host-root)', () => {
    const md = run(['report', '--host-root', host!.root]);
    assert.equal(md.code, 0, md.stderr);
    assert.match(md.stdout, /^# Cgroup Forensics report: node filesystem at /);
    assert.match(md.stdout, /^### INFO: cgroup \/\\<script\\>alert\\\(1\\\)\\< is frozen/m);
    // Severity in the core's words only.
    assert.deepEqual([...new Set([...md.stdout.matchAll(/^### (\w+): /gm)].map((m) => m[1]))].filter((w) => !['INFO', 'WARNING', 'CRITICAL'].includes(w!)), []);

    const html = run(['report', '--format', 'html', '--host-root', host!.root]);
    assert.equal(html.code, 0, html.stderr);
    checkHtml(html.stdout);

    const json = run(['report', '--format', 'json', '--host-root', host!.root]);
    assert.equal(json.code, 0, json.stderr);
    const j = JSON.parse(json.stdout) as { findings: { schema: string; findings: { kind: string; title: string; evidence: string[]; evidenceItems: unknown[] }[] }; snapshot: { schema: string } };
    assert.equal(j.findings.schema, 'cgroup-forensics/findings@1');
    assert.equal(j.snapshot.schema, 'cgroup-forensics/snapshot@1');
    const frozen = j.findings.findings.find((f) => f.title.includes(SCRIPT));
    assert.ok(frozen && frozen.evidence.every((e) => typeof e === 'string') && frozen.evidenceItems.length === frozen.evidence.length, JSON.stringify(frozen));
  });

  it('renders a saved snapshot (--from) in all three formats, and writes -o FILE', () => {
    const snap = join(dir!, 'node.json');
    const s = run(['scan', '--json', '--host-root', host!.root, '-o', snap]);
    assert.equal(s.code, 0, s.stderr);
    for (const format of ['md', 'html', 'json']) {
      const out = join(dir!, `report.${format}`);
      const r = run(['report', '--from', snap, '--format', format, '-o', out]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /from a saved snapshot \(--from\): skipped/);
      const text = readFileSync(out, 'utf8');
      if (format === 'md') assert.match(text, /^# Cgroup Forensics report: snapshot node\\\.json/);
      if (format === 'html') checkHtml(text);
      if (format === 'json') assert.equal((JSON.parse(text) as { node: string }).node, 'snapshot node.json');
    }
  });

  it('refuses a format it does not know, and arguments', () => {
    const r = run(['report', '--format', 'pdf', '--host-root', host!.root]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--format takes md, html, json, not 'pdf'/);
    assert.equal(run(['report', 'x']).code, 2);
    const help = run(['--help']);
    assert.match(help.stdout, /^ {2}report \[--format md\|html\|json\] +a report of the node/m);
  });
});
