import assert from 'node:assert/strict';
import { parse, type DefaultTreeAdapterMap } from 'parse5';
import { analyze } from '../../src/core/analysis/forensics';
import { interpretFacts } from '../../src/core/facts/nodeFacts';
import type { Snapshot } from '../../src/core/model/snapshot';
import { findingIds } from '../../src/core/analysis/findingIds';
import { findingListToJson, findingsToJson } from '../../src/core/report/findingsJson';
import { escapeHtml } from '../../src/core/report/reportHtml';
import { REPORT_FORMATS, type ReportInput } from '../../src/core/report/nodeReport';
import { renderReport } from '../../src/core/report/renderReport';
import { takeSnapshot } from '../../src/core/scan';
import { LocalTransport } from '../../src/core/transport/local';
import { HOSTILE_NAMES, v2SystemdHost } from '../fixtures/hosts/specs';
import { makeFakeHost, v2Files } from '../support/fakeHost';

// The reports (Markdown, HTML, JSON) are rendered in the core for the CLI's `report` and the
// extension's Export Report. Cgroup names and node labels are untrusted: HTML escapes every one.
const SCRIPT = '<script>alert(1)<';
const ATTR = `" onload="x' <img src=x>`;

let snapshot: Snapshot;

const input = (): ReportInput => ({ nodeLabel: `node <b>${SCRIPT}`, snapshot, report: analyze(snapshot, interpretFacts({ found: [], missing: [] }), { graceSeconds: 0 }) });

type Node = DefaultTreeAdapterMap['node'];
const walk = (n: Node, visit: (n: Node) => void): void => {
  visit(n);
  for (const c of 'childNodes' in n ? n.childNodes : []) walk(c, visit);
  if (n.nodeName === 'template') walk((n as DefaultTreeAdapterMap['template']).content, visit);
};

describe('reports rendered in the core', () => {
  before(async () => {
    const spec = v2SystemdHost();
    // A frozen cgroup outside kubepods is a finding (info) whose title, evidence and cgroup name the cgroup.
    spec.cgroups['/sys/fs/cgroup']![`/${SCRIPT}`] = v2Files({ memory: 4096, frozen: 'self' });
    spec.cgroups['/sys/fs/cgroup']![`/${ATTR.replace('/', '')}`] = v2Files({ memory: 4096, frozen: 'self' });
    const host = makeFakeHost(spec);
    try {
      const s = await takeSnapshot(new LocalTransport(), { hostRoot: host.root });
      assert.ok(s.ok, s.ok ? '' : s.error.message);
      snapshot = s.value;
    } finally {
      host.remove();
    }
  });

  it('HTML parses without an error, has no script, and shows every hostile name as text', () => {
    const r = input();
    assert.ok(r.report.findings.some((f) => f.title.includes(SCRIPT)), 'the hostile cgroup is a finding');
    const html = renderReport('html', r);
    const errors: string[] = [];
    const doc = parse(html, { onParseError: (e) => errors.push(e.code) });
    assert.deepEqual(errors, []);
    const elements = new Set<string>();
    const attrs: string[] = [];
    let text = '';
    walk(doc, (n) => {
      if ('tagName' in n) {
        elements.add(n.tagName);
        for (const a of n.attrs) attrs.push(a.name);
      }
      if (n.nodeName === '#text') text += (n as DefaultTreeAdapterMap['textNode']).value;
    });
    assert.deepEqual([...elements].filter((t) => !['html', 'head', 'body', 'meta', 'title', 'style', 'h1', 'h2', 'h3', 'p', 'pre', 'section', 'ul', 'li', 'code'].includes(t)), []);
    assert.deepEqual([...new Set(attrs)].sort(), ['charset', 'class', 'content', 'http-equiv', 'lang']);
    assert.ok(text.includes(`node <b>${SCRIPT}`), 'the node label is text');
    assert.ok(text.includes(`/${SCRIPT}`), 'the cgroup name is text');
    assert.ok(text.includes(ATTR.replace('/', '')), 'quotes stay text');
    assert.doesNotMatch(html, /<script/i);
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">/);
    // The core's severity words, on the page and as the class its colour hangs on.
    assert.match(html, /<section class="info"><h3>info: cgroup \/&lt;script&gt;alert\(1\)&lt; is frozen/);
  });

  it('escapeHtml leaves nothing that opens markup or ends an attribute', () => {
    assert.equal(escapeHtml(`<a href="x" onclick='y'>&amp;</a>`), '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;');
    for (const n of HOSTILE_NAMES) assert.doesNotMatch(escapeHtml(n), /[<>"']/);
  });

  it('Markdown keeps names in code spans and blocks, with the core severity words', () => {
    const md = renderReport('md', input());
    assert.match(md, /^# Cgroup Forensics report: node \\<b\\>\\<script\\>alert\\\(1\\\)\\</);
    assert.match(md, /^### INFO: cgroup \/\\<script\\>alert\\\(1\\\)\\< is frozen/m);
    assert.match(md, /^- unified: ` \/<script>alert\(1\)< `$/m);
    assert.doesNotMatch(md, /^### ERROR/m);
    assert.match(md, /^## Findings \(\d+\)$/m);
  });

  it('JSON holds the findings (with evidence lines and items) and the snapshot, and parses', () => {
    const j = JSON.parse(renderReport('json', input())) as { node: string; findings: { schema: string; findings: { title: string; evidence: string[]; evidenceItems: { kind: string }[] }[] }; snapshot: { schema: string } };
    assert.equal(j.node, `node <b>${SCRIPT}`);
    assert.equal(j.findings.schema, 'cgroup-forensics/findings@1');
    assert.equal(j.snapshot.schema, 'cgroup-forensics/snapshot@1');
    const frozen = j.findings.findings.find((f) => f.title.includes(SCRIPT))!;
    assert.equal(frozen.evidence.length, frozen.evidenceItems.length);
    assert.match(frozen.evidence[0]!, /cgroup\.events: frozen 1$/);
    assert.equal(frozen.evidenceItems[0]!.kind, 'file');
  });

  it("JSON gives each finding its stable id (the Findings view's), in orphans --json's findings too", () => {
    const r = input();
    assert.ok(r.report.findings.length >= 2, 'findings to tell apart');
    const ids = findingIds(r.report.findings);
    const report = JSON.parse(renderReport('json', r)) as { findings: { findings: { id: string; kind: string; title: string }[] } };
    assert.deepEqual(report.findings.findings.map((f) => f.id), ids);
    assert.equal(new Set(ids).size, ids.length, 'one id per finding');
    const frozen = report.findings.findings.find((f) => f.title.includes(SCRIPT))!;
    assert.equal(frozen.id, `frozen-cgroup:unified:/${SCRIPT}`);
    // findingsToJson is what orphans --json prints: the same ids, first in each finding.
    const orphans = JSON.parse(findingsToJson(r.report)) as { findings: Record<string, unknown>[] };
    assert.deepEqual(orphans.findings.map((f) => f.id), ids);
    assert.ok(orphans.findings.every((f) => Object.keys(f)[0] === 'id'));
    // Two findings with one key: the suffix follows their content, not their place in the list.
    const twice = [r.report.findings[0]!, { ...r.report.findings[0]!, title: `${r.report.findings[0]!.title} (again)` }];
    assert.deepEqual(findingListToJson(twice).map((f) => f.id), findingListToJson([twice[1]!, twice[0]!]).map((f) => f.id).reverse());
  });

  it('every format the CLI offers renders', () => {
    assert.deepEqual([...REPORT_FORMATS], ['md', 'html', 'json']);
    for (const f of REPORT_FORMATS) assert.ok(renderReport(f, input()).length > 100);
  });
});
