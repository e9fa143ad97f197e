/**
 * Line colours from the VS Code theme's CSS variables (the webview gets them on <html>), re-read
 * whenever VS Code swaps the theme. The chart colours first, then the terminal's, so twenty series
 * rarely share one; where they must, the dashed dying line and the table still tell them apart.
 */
const SERIES_VARS: [string, string][] = [
  ['--vscode-charts-blue', '#3794ff'],
  ['--vscode-charts-orange', '#d18616'],
  ['--vscode-charts-green', '#89d185'],
  ['--vscode-charts-purple', '#b180d7'],
  ['--vscode-charts-yellow', '#cca700'],
  ['--vscode-charts-red', '#f14c4c'],
  ['--vscode-terminal-ansiCyan', '#11a8cd'],
  ['--vscode-terminal-ansiMagenta', '#bc3fbc'],
  ['--vscode-terminal-ansiBrightGreen', '#23d18b'],
  ['--vscode-terminal-ansiBrightBlue', '#3b8eea'],
  ['--vscode-terminal-ansiBrightYellow', '#f5f543'],
  ['--vscode-terminal-ansiBrightRed', '#f14c4c'],
  ['--vscode-charts-foreground', '#cccccc'],
];

export function readSeriesColours(doc: Document): string[] {
  const style = getComputedStyle(doc.documentElement);
  return SERIES_VARS.map(([name, fallback]) => {
    const v = style.getPropertyValue(name).trim();
    return v === '' ? fallback : v;
  });
}
