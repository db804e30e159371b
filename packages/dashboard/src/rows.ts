/**
 * Keyed table rows: each poll updates the rows in place (a button being clicked is not replaced
 * under the pointer), adds new ones, removes the gone ones, and keeps the given order.
 * @module
 */

/** Builds an element with a class and text. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className = '', text = ''): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text) e.textContent = text;
  return e;
}

/**
 * Makes `tbody` show one row per item, in order. `create` builds a row once per key (its cells
 * and their elements); `update` writes an item's values into its row on every call.
 */
export function syncRows<T, R extends { tr: HTMLTableRowElement }>(
  tbody: HTMLTableSectionElement,
  rows: Map<string, R>,
  items: readonly T[],
  key: (item: T) => string,
  create: (item: T) => R,
  update: (row: R, item: T) => void,
): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const k = key(item);
    seen.add(k);
    let row = rows.get(k);
    if (!row) {
      row = create(item);
      row.tr.dataset.key = k;
      rows.set(k, row);
    }
    update(row, item);
    if (tbody.children[i] !== row.tr) tbody.insertBefore(row.tr, tbody.children[i] ?? null);
  });
  for (const [k, row] of rows) {
    if (seen.has(k)) continue;
    row.tr.remove();
    rows.delete(k);
  }
}
