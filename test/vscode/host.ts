import * as vscode from 'vscode';
import type { CgroupForensicsApi } from '../../src/extension/extension';

export const EXTENSION_ID = 'cgroup-forensics.cgroup-forensics';

/** The extension under test, activated, and its API (the live NodeManager and trees). */
export async function activated(): Promise<CgroupForensicsApi> {
  const ext = vscode.extensions.getExtension<CgroupForensicsApi>(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not installed in this host`);
  return ext.activate();
}

/** Waits until a condition holds (the tree updates asynchronously). */
export async function until<T>(what: string, get: () => T | undefined | Promise<T | undefined>, timeoutMs = 240_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
