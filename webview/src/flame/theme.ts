import { KIND } from '../../../src/protocol/flameProtocol';

/**
 * Colours from the VS Code theme's CSS variables (the webview gets them on <html>), so the chart
 * follows light, dark and high-contrast themes. Re-read whenever VS Code changes the theme.
 */
export interface Palette {
  background: string;
  foreground: string;
  /** Fill per kind code (KIND), and the text colour that reads on it. */
  kind: string[];
  kindText: string[];
  merged: string;
  mergedText: string;
  orphan: string;
  /** An empty pod or container cgroup the findings do not call an orphan. */
  empty: string;
  dying: string;
  match: string;
  selected: string;
  /** Cell outline: a visible border in high-contrast themes, else the background (a gap). */
  border: string;
  highContrast: boolean;
  font: string;
}

function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  const v = style.getPropertyValue(name).trim();
  return v === '' ? fallback : v;
}

/** Black or white, whichever reads better on a CSS colour (resolved by the canvas itself). */
function textOn(colour: string, probe: CanvasRenderingContext2D): string {
  probe.clearRect(0, 0, 1, 1);
  probe.fillStyle = '#000';
  probe.fillStyle = colour;
  probe.fillRect(0, 0, 1, 1);
  const [r, g, b] = probe.getImageData(0, 0, 1, 1).data;
  const lum = (0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0)) / 255;
  return lum > 0.55 ? '#000000' : '#ffffff';
}

export function readPalette(doc: Document): Palette {
  const style = getComputedStyle(doc.documentElement);
  const body = doc.body;
  const highContrast = body.classList.contains('vscode-high-contrast') || body.classList.contains('vscode-high-contrast-light');
  const kind: string[] = [];
  kind[KIND.other] = cssVar(style, '--vscode-charts-foreground', '#888888');
  kind[KIND.slice] = cssVar(style, '--vscode-charts-blue', '#3794ff');
  kind[KIND.pod] = cssVar(style, '--vscode-charts-green', '#89d185');
  kind[KIND.container] = cssVar(style, '--vscode-charts-purple', '#b180d7');
  kind[KIND.system] = cssVar(style, '--vscode-charts-yellow', '#cca700');
  kind[KIND.podOther] = cssVar(style, '--vscode-terminal-ansiCyan', '#11a8cd');
  const probeCanvas = doc.createElement('canvas');
  probeCanvas.width = probeCanvas.height = 1;
  const probe = probeCanvas.getContext('2d', { willReadFrequently: true })!;
  const merged = cssVar(style, '--vscode-disabledForeground', '#777777');
  return {
    background: cssVar(style, '--vscode-editor-background', '#1e1e1e'),
    foreground: cssVar(style, '--vscode-editor-foreground', '#cccccc'),
    kind,
    kindText: kind.map((c) => textOn(c, probe)),
    merged,
    mergedText: textOn(merged, probe),
    orphan: cssVar(style, '--vscode-charts-red', '#f14c4c'),
    empty: cssVar(style, '--vscode-editor-foreground', '#cccccc'),
    dying: cssVar(style, '--vscode-charts-orange', '#d18616'),
    match: cssVar(style, '--vscode-editor-findMatchBorder', cssVar(style, '--vscode-charts-orange', '#ff8c00')),
    selected: cssVar(style, '--vscode-focusBorder', '#007fd4'),
    border: highContrast ? cssVar(style, '--vscode-contrastBorder', '#6fc3df') : cssVar(style, '--vscode-editor-background', '#1e1e1e'),
    highContrast,
    font: cssVar(style, '--vscode-font-family', 'system-ui, sans-serif'),
  };
}
