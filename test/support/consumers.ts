import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The real programs that consume what the fixes generate, as the tests call them (one home, so
// every fix is judged alike): GNU patch for diffs, yamllint for kubelet's YAML.

/** The original with the diff applied by GNU patch (the file's own name does not matter). */
export function patched(original: string, diff: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cf-patch-'));
  try {
    writeFileSync(join(dir, 'file'), original);
    execFileSync('patch', ['-s', join(dir, 'file')], { input: diff });
    return readFileSync(join(dir, 'file'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** yamllint on a KubeletConfiguration, with the rules the operator's own style needs told. */
export function yamllint(text: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'cf-yamllint-'));
  try {
    writeFileSync(join(dir, 'config.yaml'), text);
    // line-length: kubeadm writes long lines (paths, certificates); document-start: kubelet's
    // files start without '---' (kubeadm's own output has none). Every other default rule holds;
    // two are told the style kubeadm and the operator use, which the patch keeps: sequences
    // written unindented (kubeadm's `clusterDNS:\n- 10.96.0.10`) and the file's line ends.
    const eol = text.includes('\r\n') ? 'dos' : 'unix';
    writeFileSync(join(dir, '.yamllint'), `extends: default\nrules:\n  line-length: disable\n  document-start: disable\n  indentation: {spaces: consistent, indent-sequences: consistent}\n  new-lines: {type: ${eol}}\n`);
    const r = spawnSync('yamllint', ['-f', 'parsable', '-c', join(dir, '.yamllint'), join(dir, 'config.yaml')], { encoding: 'utf8' });
    assert.equal(r.status, 0, `yamllint: ${r.stdout}${r.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
