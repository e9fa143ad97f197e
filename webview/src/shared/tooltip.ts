/**
 * The tooltip both views show: filled from plain rows and placed beside the pointer. Every
 * untrusted string (cgroup names and paths) goes in through textContent only, never innerHTML, so
 * a name like <img src=x onerror=...> shows as those characters.
 */
export interface TooltipRow {
  label: string;
  value: string;
}

export interface TooltipContent {
  title: string;
  subtitle?: string;
  rows: TooltipRow[];
  warnings: string[];
}

export function fillTooltip(el: HTMLElement, c: TooltipContent): void {
  const doc = el.ownerDocument;
  el.replaceChildren();
  const title = doc.createElement('div');
  title.className = 'tt-path';
  title.textContent = c.title;
  el.appendChild(title);
  if (c.subtitle !== undefined) {
    const sub = doc.createElement('div');
    sub.className = 'tt-identity';
    sub.textContent = c.subtitle;
    el.appendChild(sub);
  }
  const table = doc.createElement('table');
  for (const r of c.rows) {
    const tr = doc.createElement('tr');
    const th = doc.createElement('th');
    th.textContent = r.label;
    const td = doc.createElement('td');
    td.textContent = r.value;
    tr.append(th, td);
    table.appendChild(tr);
  }
  el.appendChild(table);
  for (const w of c.warnings) {
    const div = doc.createElement('div');
    div.className = 'tt-warning';
    div.textContent = w;
    el.appendChild(div);
  }
}

export function placeTooltip(el: HTMLElement, clientX: number, clientY: number): void {
  const view = el.ownerDocument.defaultView!;
  const pad = 12;
  el.hidden = false;
  const w = el.offsetWidth;
  const h = el.offsetHeight;
  const x = clientX + pad + w > view.innerWidth ? Math.max(0, clientX - pad - w) : clientX + pad;
  const y = clientY + pad + h > view.innerHeight ? Math.max(0, clientY - pad - h) : clientY + pad;
  el.style.left = `${x}px`;
  el.style.top = `${y}px`;
}
