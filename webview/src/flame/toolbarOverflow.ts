import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-context-menu/index.js';

/** A toolbar control that leaves the row for the "…" menu when the row is too narrow. */
export interface Overflowable {
  /** Its elements in the row (a label goes with its buttons). */
  elements: HTMLElement[];
  /** What the menu offers in its place, read when the menu opens (a label may have changed). */
  items(): { label: string; run(): void }[];
}

export interface ToolbarOverflow {
  /** Lays the row out again: after a control's text changed, or once the toolbar is in the page. */
  fit(): void;
}

/**
 * Keeps a toolbar to what fits in one row: the controls (in row order) leave from the end, last
 * first, into a "…" menu (vscode-elements' context menu: arrows, Enter and Escape, focus back on
 * the button) that offers them as items, and come back when there is room. Only buttons leave:
 * the selects and the search box shrink instead (flame.css), so the row keeps what is used most.
 */
export function toolbarOverflow(root: HTMLElement, controls: readonly Overflowable[]): ToolbarOverflow {
  const doc = document;
  const more = doc.createElement('vscode-button');
  more.id = 'toolbar-more';
  more.textContent = '…';
  more.title = 'More actions';
  more.setAttribute('secondary', '');
  more.setAttribute('aria-label', 'More actions');
  more.setAttribute('aria-haspopup', 'menu');
  more.setAttribute('aria-expanded', 'false');
  more.hidden = true;
  root.appendChild(more);

  // Outside the toolbar: the row clips what overflows it, and the menu hangs below the row.
  const menu = doc.createElement('vscode-context-menu');
  menu.id = 'toolbar-menu';
  menu.setAttribute('role', 'menu');
  menu.setAttribute('aria-label', 'More actions');
  menu.className = 'toolbar-menu';
  let runs = new Map<string, () => void>();

  const away = new Set<Overflowable>();
  const overflows = (): boolean => root.scrollWidth > root.clientWidth + 1;

  function close(refocus: boolean): void {
    if (menu.show) menu.show = false;
    more.setAttribute('aria-expanded', 'false');
    if (refocus) more.focus();
  }

  function open(): void {
    const items = controls.filter((c) => away.has(c)).flatMap((c) => c.items());
    runs = new Map(items.map((it, k) => [String(k), it.run]));
    menu.data = items.map((it, k) => ({ label: it.label, value: String(k) }));
    if (!menu.isConnected) doc.body.appendChild(menu);
    const r = more.getBoundingClientRect();
    menu.style.top = `${Math.round(r.bottom + 2)}px`;
    menu.style.right = `${Math.max(0, Math.round(doc.documentElement.clientWidth - r.right))}px`;
    menu.show = true;
    more.setAttribute('aria-expanded', 'true');
  }

  more.addEventListener('click', () => (menu.show ? close(false) : open()));
  menu.addEventListener('vsc-context-menu-select', (ev) => {
    const run = runs.get(ev.detail.value);
    close(true);
    run?.();
  });
  menu.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') close(true);
  });

  function fit(): void {
    close(false);
    away.clear();
    for (const c of controls) for (const e of c.elements) e.hidden = false;
    more.hidden = true;
    if (!overflows()) return;
    more.hidden = false;
    for (let i = controls.length - 1; i >= 0 && overflows(); i--) {
      const c = controls[i]!;
      for (const e of c.elements) e.hidden = true;
      away.add(c);
    }
  }

  // The row's width follows the panel; fitted in the next frame, so hiding controls never resizes
  // the row inside the observer's own callback.
  let pending = 0;
  const later = (): void => {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(fit);
  };
  new ResizeObserver(later).observe(root);
  // The controls take their real widths once their elements are defined and the font is in.
  void Promise.all(['vscode-button', 'vscode-single-select', 'vscode-textfield'].map((t) => customElements.whenDefined(t))).then(later);
  void doc.fonts.ready.then(later);
  return { fit: later };
}
