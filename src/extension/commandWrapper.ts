import * as vscode from 'vscode';
import { isAbortError } from '../core/transport/transport';
import type { CommandId } from './commands/commandIds';

/** A failure meant for the user as it is (no stack in the message): "no node is connected". */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/**
 * A command's handler. Its arguments are unknown: menus pass tree elements, the palette nothing,
 * other extensions and tests anything; the handler checks what it got.
 */
export type CommandHandler = (...args: unknown[]) => unknown;

/**
 * Every command goes through here (called from registerCommands.ts only): it is logged when it
 * starts and when it fails, and a failure shows one message with "Show Log" (never a storm of
 * modals). Cancellation is silent.
 */
export function registerCommand(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, id: CommandId, run: CommandHandler): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      log.debug(`command ${id}`);
      try {
        return await run(...args);
      } catch (e) {
        if (isCancellation(e)) {
          log.info(`${id}: cancelled`);
          return undefined;
        }
        const message = e instanceof Error ? e.message : String(e);
        if (e instanceof UserError) log.warn(`${id}: ${message}`);
        else log.error(`${id}: ${e instanceof Error && e.stack ? e.stack : message}`);
        void vscode.window.showErrorMessage(`Cgroup Forensics: ${message}`, 'Show Log').then((choice) => {
          if (choice === 'Show Log') log.show(true);
        });
        return undefined;
      }
    }),
  );
}

export function isCancellation(e: unknown): boolean {
  return e instanceof vscode.CancellationError || isAbortError(e) || (e instanceof Error && e.name === 'Canceled');
}

/** Long work under a notification with a cancel button; the AbortSignal goes to the core. */
export function withCancellableProgress<T>(
  title: string,
  work: (signal: AbortSignal, report: (message: string) => void) => Promise<T>,
): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
    const controller = new AbortController();
    const sub = token.onCancellationRequested(() => controller.abort());
    return work(controller.signal, (message) => progress.report({ message })).finally(() => sub.dispose());
  });
}
