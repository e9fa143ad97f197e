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
/**
 * How long a reveal's selection may take to reach the extension host. The renderer (code-server's,
 * in headless Chromium) has been seen to report it about 10 s late, after the reveal itself had
 * resolved; the selection did arrive (the cluster suite's failure message showed it).
 */
export const SELECTION_WAIT_MS = 60_000;

export async function until<T>(what: string, get: () => T | undefined | Promise<T | undefined>, timeoutMs = 240_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A modal the code under test showed while answered by answeringModals: its message, detail and buttons. */
export interface ShownModal {
  message: string;
  detail: string | undefined;
  items: string[];
}

/**
 * Runs work while vscode.window.showWarningMessage answers modals with `answer` (undefined: as
 * Cancel would) instead of showing them, and returns what they said. A modal cannot be clicked
 * from the extension host, and one left open would hang the suite. The extension and these suites
 * share one `vscode` API object (same extension), so the swap reaches the extension's calls.
 */
export async function answeringModals<T>(answer: string | undefined, work: () => Thenable<T> | Promise<T>): Promise<{ result: T; modals: ShownModal[] }> {
  const window = vscode.window as { showWarningMessage: (...args: unknown[]) => Thenable<unknown> };
  const original = window.showWarningMessage;
  const modals: ShownModal[] = [];
  window.showWarningMessage = (message: unknown, ...rest: unknown[]) => {
    const options = rest[0] && typeof rest[0] === 'object' && 'modal' in rest[0] ? (rest.shift() as vscode.MessageOptions) : undefined;
    if (!options?.modal) return original.call(vscode.window, message, ...(options ? [options] : []), ...rest);
    modals.push({ message: String(message), detail: options.detail, items: rest.map((r) => (typeof r === 'string' ? r : String((r as { title?: unknown }).title))) });
    return Promise.resolve(answer);
  };
  try {
    return { result: await work(), modals };
  } finally {
    window.showWarningMessage = original;
  }
}
