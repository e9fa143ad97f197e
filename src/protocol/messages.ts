/**
 * What every webview protocol (flameProtocol.ts, trendProtocol.ts) is built from: the
 * checks a message passes on arrival, in either direction, and the messages every panel has (the
 * 'ready' handshake, replies by request id, the webview's log lines). The host and the webview
 * bundles both import this file, so it stays free of 'vscode', of Node (both kept out of src/protocol
 * by eslint.config.mjs) and of the DOM.
 */

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** The longest text field a message may carry unless its protocol says otherwise. */
export const MAX_TEXT = 4096;

export function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
export function isText(v: unknown, max = MAX_TEXT): v is string {
  return typeof v === 'string' && v.length <= max;
}
export function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
export function bad<T>(error: string): Parsed<T> {
  return { ok: false, error };
}
export function good<T>(value: T): Parsed<T> {
  return { ok: true, value };
}
function typeOf(raw: unknown): string {
  return isObj(raw) && typeof raw.type === 'string' ? raw.type.slice(0, 64) : '(none)';
}
/** The default of a parser's switch: `t` is `never` there, so a message type left unhandled fails to compile. */
export function unknownType<T>(t: never, raw: unknown): Parsed<T> {
  void t;
  return bad(`unknown message type ${JSON.stringify(typeOf(raw))}`);
}

/** The webview's first message, and again after every reload: the host (re)sends what it shows. */
export interface ReadyMessage {
  type: 'ready';
}

/** The answer to a request that carried a requestId. */
export interface ReplyMessage {
  type: 'reply';
  requestId: number;
  ok: boolean;
  message?: string;
}

/** A line for the extension's log, from the webview. */
export interface LogMessage {
  type: 'log';
  level: 'info' | 'warn' | 'error';
  message: string;
}

export function parseReply(raw: Record<string, unknown>): Parsed<ReplyMessage> {
  if (!isCount(raw.requestId) || typeof raw.ok !== 'boolean') return bad('reply: requestId and ok are required');
  if (raw.message !== undefined && !isText(raw.message)) return bad('reply: message must be a string');
  return good(raw.message === undefined ? { type: 'reply', requestId: raw.requestId, ok: raw.ok } : { type: 'reply', requestId: raw.requestId, ok: raw.ok, message: raw.message });
}

export function parseLog(raw: Record<string, unknown>): Parsed<LogMessage> {
  if (raw.level !== 'info' && raw.level !== 'warn' && raw.level !== 'error') return bad('log: bad level');
  if (!isText(raw.message)) return bad('log: message must be a string');
  return good({ type: 'log', level: raw.level, message: raw.message });
}
