/**
 * Keyed DOM patching: brings a parent's children from the previous render to the new one,
 * touching only what changed. Keyed items (`tt:key`) keep their DOM nodes when the list is
 * reordered; other nodes are matched by tag and order.
 * @module
 */
import { createElement, updateElement } from './components.ts';
import { bindEvents, type Dispatch } from './events.ts';
import type { VEl, VNode } from './vnode.ts';

function slot(v: VNode): string {
  return v.kind === 'text' ? '#text' : v.tag;
}

function build(v: VNode, dispatch: Dispatch): globalThis.Node {
  if (v.kind === 'text') return (v.dom = document.createTextNode(v.text));
  const el = createElement(v);
  v.dom = el;
  updateElement(el, v, undefined);
  bindEvents(el, v, dispatch);
  patchChildren(el, [], v.kids, dispatch);
  return el;
}

function update(old: VNode, v: VNode, dispatch: Dispatch): void {
  if (old.kind === 'text' && v.kind === 'text') {
    v.dom = old.dom;
    if (old.text !== v.text && v.dom) v.dom.data = v.text;
    return;
  }
  const o = old as VEl;
  const n = v as VEl;
  const el = o.dom as Element;
  n.dom = el;
  updateElement(el, n, o);
  bindEvents(el, n, dispatch);
  patchChildren(el, o.kids, n.kids, dispatch);
}

/** Patches `parent`'s children from `old` to `next` (the virtual nodes it was built from). */
export function patchChildren(parent: Element, old: VNode[], next: VNode[], dispatch: Dispatch): void {
  if (old === next) return;
  const keyed = new Map<string, VNode>();
  const pools = new Map<string, VNode[]>();
  for (const o of old) {
    if (o.key !== undefined) keyed.set(o.key, o);
    else {
      const p = pools.get(slot(o));
      if (p) p.push(o);
      else pools.set(slot(o), [o]);
    }
  }
  const matched: (VNode | undefined)[] = next.map((n) => {
    if (n.key !== undefined) {
      const o = keyed.get(n.key);
      if (o && slot(o) === slot(n)) {
        keyed.delete(n.key);
        return o;
      }
      return undefined;
    }
    return pools.get(slot(n))?.shift();
  });
  // drop what is gone first, so kept nodes need no moves
  for (const o of keyed.values()) o.dom?.remove();
  for (const p of pools.values()) for (const o of p) o.dom?.remove();
  let ref: ChildNode | null = parent.firstChild;
  next.forEach((n, i) => {
    const o = matched[i];
    if (o) update(o, n, dispatch);
    const dom = (o ? n.dom : build(n, dispatch)) as ChildNode;
    if (dom === ref) ref = ref.nextSibling;
    else parent.insertBefore(dom, ref);
  });
}
