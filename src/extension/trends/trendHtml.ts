import { flameHtml } from '../flame/html';

export { makeNonce } from '../flame/html';

/**
 * The trend chart's page: the flame view's fixed shell and CSP (script by nonce, styles and
 * images from the webview's resource origin only), with the trend bundle in it. Samples arrive by
 * postMessage; nothing but our own URIs, the nonce and a fixed title is ever put in the HTML.
 */
export interface TrendHtmlParts {
  /** webview.cspSource */
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  nonce: string;
}

export function trendHtml(p: TrendHtmlParts): string {
  return flameHtml({ ...p, title: 'Cgroup trends' });
}
