import type { SnapshotSummary } from '../analysis/summary';
import { displayOf } from '../model/bytes';
import { formatBytes } from './format';

/** The readable summary that `cgroup-forensics scan` prints. Names are escaped for the terminal. */
export function renderSummaryText(s: SnapshotSummary): string {
  const out: string[] = [];
  const host = s.hostname ? displayOf(s.hostname) : 'this node';
  out.push(`Node ${host}${s.kernel ? `, kernel ${s.kernel}` : ''}`);
  out.push(`Cgroup layout: ${layoutText(s.layout)}; ${s.totalCgroups} cgroups in ${s.hierarchies.length} hierarch${s.hierarchies.length === 1 ? 'y' : 'ies'}`);
  out.push('');
  const rows = s.hierarchies.map((h) => [
    h.name,
    h.kind,
    String(h.cgroups),
    h.dying === undefined ? (h.kernelCount === undefined ? '-' : `(kernel ${h.kernelCount})`) : String(h.dying),
    String(h.maxDepth),
    String(h.processes),
    h.pods ? String(h.pods) : '-',
    displayOf(h.walkRoot),
  ]);
  out.push(...table(['HIERARCHY', 'KIND', 'CGROUPS', 'DYING', 'DEPTH', 'PROCS', 'PODS', 'ROOT'], rows));
  const dyingNote = s.hierarchies.filter((h) => (h.dying ?? 0) > 0);
  if (dyingNote.length) {
    out.push('');
    out.push('Dying cgroups are removed directories the kernel has not freed yet (v2: cgroup.stat nr_dying_descendants;');
    out.push('v1: /proc/cgroups num_cgroups minus the live directories).');
  }
  if (s.k8s) {
    const k = s.k8s;
    out.push('');
    out.push(`Kubernetes (${k.hierarchy} hierarchy, ${k.drivers.join(' + ')} driver${k.drivers.length > 1 ? 's: both trees exist' : ''}):`);
    out.push(`  pods: ${k.pods} (guaranteed ${k.podsByQos.guaranteed}, burstable ${k.podsByQos.burstable}, besteffort ${k.podsByQos.besteffort})`);
    const rt = Object.entries(k.containersByRuntime).map(([r, n]) => `${r} ${n}`).join(', ');
    out.push(`  containers: ${k.containers}${rt ? ` (${rt})` : ''}`);
  } else {
    out.push('');
    out.push('Kubernetes: no kubepods tree found.');
  }
  const transient = s.hierarchies.reduce((a, h) => Math.max(a, h.transientMountScopes), 0);
  if (transient > 0) out.push(`Transient mount scopes (run-*.scope): ${transient}`);
  if (s.largestByCount.length) {
    out.push('');
    out.push('Largest subtrees by cgroup count:');
    out.push(...table(['CGROUPS', 'HIERARCHY', 'PATH'], s.largestByCount.map((t) => [String(t.descendants), t.hierarchy, displayOf(t.path)])).map((l) => '  ' + l));
  }
  if (s.largestByMemory.length) {
    out.push('');
    out.push('Largest subtrees by memory:');
    out.push(...table(['MEMORY', 'HIERARCHY', 'PATH'], s.largestByMemory.map((t) => [formatBytes(t.memory), t.hierarchy, displayOf(t.path)])).map((l) => '  ' + l));
  }
  if (s.warnings.length) {
    out.push('');
    for (const w of s.warnings) out.push(`warning: ${displayOf(w)}`);
  }
  return out.join('\n') + '\n';
}

function layoutText(l: SnapshotSummary['layout']): string {
  switch (l) {
    case 'v2':
      return 'cgroup v2 (unified)';
    case 'v1':
      return 'cgroup v1 (legacy)';
    case 'hybrid':
      return 'hybrid (v1 controllers + cgroup2)';
    case 'none':
      return 'no cgroup hierarchy found';
  }
}

/** Left-aligned columns, numbers right-aligned. */
export function table(header: string[], rows: string[][]): string[] {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => [...(r[c] ?? '')].length)));
  const numeric = header.map((_, c) => rows.length > 0 && rows.every((r) => /^[-\d.()a-z ]*\d[\d.]*[KMGTB]?$|^-$/.test(r[c] ?? '')));
  return all.map((r) =>
    r
      .map((cell, c) => {
        const last = c === r.length - 1;
        const pad = ' '.repeat(Math.max(0, widths[c]! - [...cell].length));
        return numeric[c] ? pad + cell : last ? cell : cell + pad;
      })
      .join('  ')
      .trimEnd(),
  );
}
