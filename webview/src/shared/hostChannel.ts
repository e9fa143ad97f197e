import type { LogMessage, Parsed, ReadyMessage, ReplyMessage } from '../../../src/protocol/messages';

/** What acquireVsCodeApi() hands a webview, typed by its protocol and its saved state. */
export interface VsCodeApi<From, State> {
  postMessage(m: From): void;
  getState(): unknown;
  setState(s: State): void;
}

export interface HostChannel<From, To> {
  post(m: From | LogMessage | ReadyMessage): void;
  /** Posts the message `make` builds with a fresh request id; `done` runs when the host replies to it. */
  request(make: (requestId: number) => From, done: (ok: boolean, message?: string) => void): void;
  /** Listens for the host's messages (replies go to their requests) and says 'ready'. Call once, when the page is built. */
  start(onMessage: (m: Exclude<To, ReplyMessage>) => void): void;
}

/**
 * The webview's end of a panel's protocol: posts to the host, matches replies to requests by id,
 * and checks every message from the host before the view sees it; a bad one is logged (here and
 * in the host's log) and ignored, since the webview trusts nothing that arrives on window 'message'.
 */
export function hostChannel<From extends { type: string }, To extends { type: string }>(o: {
  api: { postMessage(m: From | LogMessage | ReadyMessage): void };
  /** Names the view in log lines ("flame view"). */
  view: string;
  parse: (raw: unknown) => Parsed<To>;
}): HostChannel<From, To> {
  let nextRequest = 1;
  const pendingReplies = new Map<number, (ok: boolean, message?: string) => void>();
  const post = (m: From | LogMessage | ReadyMessage): void => o.api.postMessage(m);
  return {
    post,
    request(make, done) {
      const requestId = nextRequest++;
      pendingReplies.set(requestId, done);
      post(make(requestId));
    },
    start(onMessage) {
      window.addEventListener('message', (e: MessageEvent) => {
        const parsed = o.parse(e.data);
        if (!parsed.ok) {
          console.warn(`${o.view}: ignored a message: ${parsed.error}`);
          post({ type: 'log', level: 'warn', message: `${o.view}: ignored a message from the host: ${parsed.error}` });
          return;
        }
        const m = parsed.value;
        if (isReply(m)) {
          const done = pendingReplies.get(m.requestId);
          pendingReplies.delete(m.requestId);
          done?.(m.ok, m.message);
          return;
        }
        onMessage(m as Exclude<To, ReplyMessage>);
      });
      post({ type: 'ready' });
    },
  };
}

function isReply(m: { type: string }): m is ReplyMessage {
  return m.type === 'reply';
}
