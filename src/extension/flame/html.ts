import { randomBytes } from 'node:crypto';

/**
 * The flame view's page: a fixed shell with a strict CSP. Scripts run only by nonce, styles and
 * images only from the webview's own resource origin; no data is ever spliced in (the snapshot
 * arrives by postMessage), so the only values here are our own URIs and the nonce.
 */
export interface FlameHtmlParts {
  /** webview.cspSource */
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  nonce: string;
  title?: string;
}

export function makeNonce(): string {
  return randomBytes(18).toString('base64url');
}

export function flameCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data: blob:`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

function attr(v: string): string {
  return v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function flameHtml(p: FlameHtmlParts): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(flameCsp(p.cspSource, p.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(p.styleUri)}">
<title>${attr(p.title ?? 'Cgroup flame view')}</title>
</head>
<body>
<script nonce="${attr(p.nonce)}" src="${attr(p.scriptUri)}"></script>
</body>
</html>
`;
}
