import * as vscode from 'vscode';

/** The extension's one log: a LogOutputChannel, which is also the core's Logger. */
export function createLog(): vscode.LogOutputChannel {
  return vscode.window.createOutputChannel('Cgroup Forensics', { log: true });
}
