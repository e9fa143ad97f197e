/** Calls `changed` whenever VS Code swaps the theme: it changes <body>'s class and <html>'s style variables. */
export function onThemeChange(doc: Document, changed: () => void): void {
  const observer = new MutationObserver(changed);
  observer.observe(doc.body, { attributes: true, attributeFilter: ['class'] });
  observer.observe(doc.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
}
