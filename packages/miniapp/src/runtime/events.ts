/**
 * TTML events on the DOM: `bindtap` → `click`, `bindinput` → `input`, `bindchange`, `bindscroll`,
 * `binderror`, `bindsubmit`, `bindconfirm` (Enter) … Each element gets one listener per DOM event
 * type; it reads the element's current virtual node, so re-renders never re-bind. The handler
 * receives the mini-program event object: `type`, `detail`, `target`/`currentTarget` with `id`
 * and `dataset`, `timeStamp`.
 * @module
 */
import type { VEl, VEvent } from './vnode.ts';

/** The event object page methods receive. */
export interface TtEvent {
  type: string;
  timeStamp: number;
  detail: Record<string, unknown>;
  target: { id: string; dataset: Record<string, unknown> };
  currentTarget: { id: string; dataset: Record<string, unknown> };
  touches: unknown[];
  changedTouches: unknown[];
  mark: Record<string, unknown>;
}

/** Calls a page method by name with the event. */
export type Dispatch = (handler: string, event: TtEvent) => void;

const DOM_EVENT: Record<string, string> = {
  tap: 'click',
  longpress: 'contextmenu',
  longtap: 'contextmenu',
  confirm: 'keydown',
  linechange: 'input',
};

type Bound = Element & { __ttv?: VEl; __ttl?: Set<string> };

/** The DOM event that carries a TTML event. */
export function domEventOf(name: string): string {
  return DOM_EVENT[name] ?? name;
}

function owner(node: EventTarget | null): Bound | undefined {
  let n = node as Node | null;
  while (n && !(n as Partial<Bound>).__ttv) n = n.parentNode;
  return n ? (n as Bound) : undefined;
}

function formValues(form: Element): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of form.querySelectorAll<HTMLInputElement>('input[name], textarea[name]')) out[f.name] = f.type === 'checkbox' ? f.checked : f.value;
  for (const el of form.querySelectorAll<Bound>('[name]')) {
    const v = el.__ttv;
    if (v && v.tag === 'switch') out[String(v.attrs.name)] = (el as unknown as HTMLInputElement).checked;
  }
  return out;
}

function detailOf(name: string, el: Element, v: VEl, e: Event): Record<string, unknown> {
  const custom = (e as CustomEvent).detail;
  if (e instanceof CustomEvent && custom && typeof custom === 'object') return custom as Record<string, unknown>;
  if (v.tag === 'switch') return { value: (el as HTMLInputElement).checked };
  if (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement) {
    const value = el.value;
    return { value, cursor: el.selectionStart ?? value.length, ...(e instanceof KeyboardEvent ? { keyCode: e.keyCode } : {}) };
  }
  if (name === 'submit') return { value: formValues(el) };
  if (name === 'scroll') {
    const h = el as HTMLElement;
    return { scrollTop: h.scrollTop, scrollLeft: h.scrollLeft, scrollHeight: h.scrollHeight, scrollWidth: h.scrollWidth, deltaX: 0, deltaY: 0 };
  }
  if (v.tag === 'image' && (name === 'load' || name === 'error')) {
    const img = el.firstElementChild as HTMLImageElement;
    return name === 'load' ? { width: img.naturalWidth, height: img.naturalHeight } : { errMsg: `GET ${img.src} failed` };
  }
  if (e instanceof MouseEvent) return { x: e.pageX, y: e.pageY };
  return {};
}

function listener(el: Bound, type: string, capture: boolean, dispatch: Dispatch) {
  return (e: Event): void => {
    const v = el.__ttv;
    if (!v) return;
    const hits = v.events.filter((x) => x.capture === capture && domEventOf(x.name) === type);
    for (const h of hits) {
      if (h.name === 'confirm' && (e as KeyboardEvent).key !== 'Enter') continue;
      if (type === 'contextmenu' || type === 'submit' || type === 'reset') e.preventDefault();
      if (h.stop) e.stopPropagation();
      const t = owner(e.target) ?? el;
      const current = { id: el.id, dataset: { ...v.dataset } };
      const event: TtEvent = {
        type: h.name,
        timeStamp: Math.round(e.timeStamp),
        detail: detailOf(h.name, el, v, e),
        target: t === el ? current : { id: t.id, dataset: { ...(t.__ttv?.dataset ?? {}) } },
        currentTarget: current,
        touches: [],
        changedTouches: [],
        mark: {},
      };
      if (h.handler) dispatch(h.handler, event);
    }
  };
}

/** Makes sure `el` listens for every event its virtual node binds. */
export function bindEvents(el: Element, v: VEl, dispatch: Dispatch): void {
  const b = el as Bound;
  b.__ttv = v;
  if (v.events.length === 0) return;
  b.__ttl ??= new Set();
  for (const ev of v.events as VEvent[]) {
    const type = domEventOf(ev.name);
    const id = `${type}:${ev.capture}`;
    if (b.__ttl.has(id)) continue;
    b.__ttl.add(id);
    const target = v.tag === 'image' && (type === 'load' || type === 'error') ? (el.firstElementChild ?? el) : el;
    target.addEventListener(type, listener(b, type, ev.capture, dispatch), { capture: ev.capture });
  }
}
