import * as vscode from 'vscode';
import type { CommandArgs, CommandCall, CommandId } from './commandIds';

/**
 * VS Code's own commands that the extension runs, with their arguments (see "Built-in Commands"
 * in the VS Code API reference). Add one here before calling it.
 */
interface BuiltinCommandArgs {
  'vscode.diff': [left: vscode.Uri, right: vscode.Uri, title?: string, options?: vscode.TextDocumentShowOptions];
  /** The Settings editor searching for the query (a setting id shows that setting): User settings, or the window's. */
  'workbench.action.openSettings': [query?: string];
  /** The same on the Remote tab (a remote window only): where machine-scoped settings are. */
  'workbench.action.openRemoteSettings': [query?: string];
  /** VS Code makes a `<view id>.focus` command for every contributed view. */
  'cgroupForensics.findings.focus': [];
  'cgroupForensics.fleet.focus': [];
}

type RunnableArgs = CommandArgs & BuiltinCommandArgs;

/**
 * vscode.commands.executeCommand, with the command's id and arguments checked by the compiler.
 * Our commands resolve with undefined when they fail (commandWrapper.ts has shown the error).
 */
export function executeCommand<K extends keyof RunnableArgs>(id: K, ...args: RunnableArgs[K]): Thenable<unknown> {
  return vscode.commands.executeCommand(id, ...args);
}

/** A tree item's command (run when the item is clicked), typed like executeCommand. */
export function treeItemCommand<K extends CommandId>(title: string, id: K, ...args: CommandArgs[K]): vscode.Command {
  return { command: id, title, arguments: args };
}

/** The same from a command kept as data in a tree element. */
export function commandOf(call: CommandCall, title: string): vscode.Command {
  return { command: call.id, title, arguments: [...call.args] };
}
