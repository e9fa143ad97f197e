import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { cgroupMissing, cgroupMounts } from '../support/prereq';
import { buildKubeletTree, type KubeletTree } from '../e2e/kubeletTree';
import { until } from './host';

/** Why the suites that need a real cgroup tree cannot run here, or undefined. */
export function treeMissing(): string | undefined {
  const v2 = cgroupMounts().v2;
  return v2 ? cgroupMissing(v2) : 'no cgroup2 mount on this machine';
}

export const WIDE = 25;

/**
 * The kubelet-shaped tree of the end-to-end test plus a wide level (for "load more") and a kubelet
 * config file, with the extension's settings pointing at its kubelet directory.
 */
export async function setUpTree(): Promise<KubeletTree & { wide: string }> {
  const tree = await buildKubeletTree(cgroupMounts().v2!);
  const wide = '/wide.slice';
  for (let i = 0; i < WIDE; i++) tree.sandbox.mkdir(`${wide}/w${String(i).padStart(2, '0')}.scope`);
  writeFileSync(join(tree.kubeletDir, 'config.yaml'), 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: cgroupfs\n');
  const c = vscode.workspace.getConfiguration('cgroupForensics');
  await c.update('kubelet.rootDir', tree.kubeletDir, vscode.ConfigurationTarget.Global);
  await c.update('tree.stat', 'procs', vscode.ConfigurationTarget.Global);
  await c.update('tree.pageSize', 10, vscode.ConfigurationTarget.Global);
  // In a remote host (code-server) the host learns of a written setting a moment later.
  await until('the settings to reach the extension host', () => (vscode.workspace.getConfiguration('cgroupForensics').get('kubelet.rootDir') === tree.kubeletDir && vscode.workspace.getConfiguration('cgroupForensics').get('tree.pageSize') === 10) || undefined, 10_000);
  return { ...tree, wide };
}

export async function resetSettings(): Promise<void> {
  const c = vscode.workspace.getConfiguration('cgroupForensics');
  for (const k of ['kubelet.rootDir', 'tree.stat', 'tree.pageSize']) await c.update(k, undefined, vscode.ConfigurationTarget.Global);
  await until('the settings to be reset in the extension host', () => (vscode.workspace.getConfiguration('cgroupForensics').get('tree.pageSize') === 200) || undefined, 10_000);
}

/** The "/top/..." path of a sandbox-relative path in the unified hierarchy's tree. */
export function inTree(tree: KubeletTree, rel: string): string {
  return `/${tree.top}${rel}`;
}
