/** The breadcrumb: one button per ancestor of the zoomed cell, labels (untrusted names) as textContent. */
export function fillBreadcrumb(nav: HTMLElement, crumbs: { label: string; cgroup: number }[], onClick: (cgroup: number) => void): void {
  const doc = nav.ownerDocument;
  nav.replaceChildren();
  crumbs.forEach((c, k) => {
    if (k > 0) {
      const sep = doc.createElement('span');
      sep.className = 'crumb-sep';
      sep.textContent = '›';
      nav.appendChild(sep);
    }
    const b = doc.createElement('button');
    b.className = 'crumb';
    b.type = 'button';
    b.textContent = c.label;
    b.dataset.cgroup = String(c.cgroup);
    b.addEventListener('click', () => onClick(c.cgroup));
    nav.appendChild(b);
  });
}
