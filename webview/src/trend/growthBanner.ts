import type { Finding } from '../../../src/core/analysis/finding';
import { el } from '../shared/dom';

/** The banner above the charts: core's sustained-growth findings, by title; hidden when there are none. */
export function fillGrowthBanner(banner: HTMLElement, findings: readonly Finding[]): void {
  banner.hidden = findings.length === 0;
  const title = el('div', 'banner-title');
  title.textContent = findings.length === 1 ? 'Sustained cgroup growth' : `Sustained cgroup growth in ${findings.length} series`;
  const list = el('ul');
  for (const f of findings) {
    const li = document.createElement('li');
    li.textContent = f.title;
    list.appendChild(li);
  }
  banner.replaceChildren(title, list);
}
