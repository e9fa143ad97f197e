import * as vscode from 'vscode';
import type { Logger } from '../core/logger';

/** The extension's one log: a LogOutputChannel, which is also the core's Logger. */
export function createLog(): vscode.LogOutputChannel {
  return vscode.window.createOutputChannel('Cgroup Forensics', { log: true });
}

export function asLogger(log: vscode.LogOutputChannel): Logger {
  return log;
}
