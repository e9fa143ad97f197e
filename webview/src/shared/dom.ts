/** A new element of the page, with a class and an id when given. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, id?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (id) e.id = id;
  return e;
}
