/**
 * The built-in components on the DOM: `view`, `text`, `image`, `button`, `input`, `form`,
 * `switch`, `scroll-view`, `rtc-room` (and `label`). Layout tags keep their names as DOM elements
 * so TTSS type selectors (`view { … }`) apply as written; unknown tags become a `div` with a
 * console warning.
 * @module
 */
import { convertRpx } from './rpx.ts';
import type { VEl } from './vnode.ts';

/** Tags rendered as elements of the same name (styled by the base stylesheet). */
const SAME_NAME = new Set(['view', 'text', 'scroll-view', 'rtc-room', 'button', 'form', 'label', 'image', 'navigator', 'icon']);
const KNOWN = new Set([...SAME_NAME, 'input', 'switch', 'textarea']);
const warned = new Set<string>();

/** Attributes handled here rather than copied to the DOM. */
const HANDLED = new Set(['class', 'style', 'hidden', 'id', 'value', 'checked', 'disabled', 'src', 'type', 'password', 'placeholder', 'maxlength', 'focus', 'form-type', 'scroll-top', 'scroll-left', 'scroll-into-view', 'color', 'confirm-type']);

function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  console.warn(`[miniapp] ${message}`);
}

/** True for values the mini-program treats as set: `true`, a bare attribute (''), any non-empty string, non-zero numbers. */
export function isOn(v: unknown): boolean {
  return v === '' || (v !== 'false' && Boolean(v));
}

/** Creates the DOM element of a virtual element. */
export function createElement(v: VEl): Element {
  if (v.tag === 'input' || v.tag === 'switch') {
    const el = document.createElement('input');
    if (v.tag === 'switch') {
      el.type = 'checkbox';
      el.classList.add('tt-switch');
    }
    el.dataset.ttTag = v.tag;
    return el;
  }
  if (v.tag === 'textarea') return document.createElement('textarea');
  if (!KNOWN.has(v.tag)) {
    warnOnce(`<${v.tag}> is not a component the web runtime knows: rendered as a <div>`);
    const el = document.createElement('div');
    el.dataset.ttTag = v.tag;
    return el;
  }
  const el = document.createElement(v.tag);
  if (v.tag === 'image') el.append(document.createElement('img'));
  if (v.tag === 'form') el.addEventListener('submit', (e) => e.preventDefault());
  return el;
}

function setAttr(el: Element, name: string, v: unknown): void {
  if (v === undefined || v === null || v === false) el.removeAttribute(name);
  else if (v === true) el.setAttribute(name, '');
  else el.setAttribute(name, typeof v === 'object' ? JSON.stringify(v) : String(v));
}

function changed(name: string, v: VEl, prev: VEl | undefined): boolean {
  return !prev || !Object.is(prev.attrs[name], v.attrs[name]);
}

function formField(el: HTMLInputElement | HTMLTextAreaElement, v: VEl, prev: VEl | undefined): void {
  const a = v.attrs;
  if (changed('value', v, prev)) {
    const s = a.value === undefined || a.value === null ? '' : String(a.value);
    if (el.value !== s) el.value = s;
  }
  el.disabled = isOn(a.disabled);
  setAttr(el, 'placeholder', a.placeholder);
  const max = a.maxlength === undefined ? 140 : Number(a.maxlength);
  if (max >= 0 && Number.isFinite(max)) el.maxLength = max;
  else el.removeAttribute('maxlength');
  if (a['confirm-type'] !== undefined) setAttr(el, 'enterkeyhint', a['confirm-type'] === 'done' ? 'done' : a['confirm-type']);
  if (isOn(a.focus) && changed('focus', v, prev)) queueMicrotask(() => el.focus());
  if (el instanceof HTMLInputElement) {
    const t = a.type;
    el.type = isOn(a.password) || t === 'safe-password' ? 'password' : 'text';
    if (t === 'number' || t === 'digit') el.inputMode = t === 'digit' ? 'decimal' : 'numeric';
  }
}

/** Brings the DOM element up to date with `v` (`prev`: what it showed before, if anything). */
export function updateElement(el: Element, v: VEl, prev: VEl | undefined): void {
  const a = v.attrs;
  const h = el as HTMLElement;
  const own = v.tag === 'switch' ? ' tt-switch' : '';
  if (changed('class', v, prev) && (prev || a.class !== undefined)) h.className = (a.class === undefined || a.class === null ? '' : String(a.class)) + own;
  if (changed('style', v, prev) && (prev || a.style !== undefined)) h.style.cssText = a.style === undefined || a.style === null ? '' : convertRpx(String(a.style));
  if (changed('id', v, prev)) setAttr(el, 'id', a.id);
  if (changed('hidden', v, prev)) h.hidden = a.hidden !== undefined && isOn(a.hidden);
  for (const [name, value] of Object.entries(a)) {
    if (HANDLED.has(name) || !changed(name, v, prev)) continue;
    if (!/^[A-Za-z_:][\w:.-]*$/.test(name)) continue;
    if (/^on/i.test(name)) {
      // inline DOM handlers would run bound data as code
      warnOnce(`<${v.tag} ${name}>: use bind${name.slice(2)}="method" (DOM on* attributes are not set)`);
      continue;
    }
    setAttr(el, name, value);
  }
  if (prev) for (const name of Object.keys(prev.attrs)) if (!(name in a) && !HANDLED.has(name) && /^[A-Za-z_:][\w:.-]*$/.test(name)) el.removeAttribute(name);
  switch (v.tag) {
    case 'input':
    case 'textarea':
      return formField(el as HTMLInputElement, v, prev);
    case 'switch': {
      const box = el as HTMLInputElement;
      if (changed('checked', v, prev)) box.checked = a.checked !== undefined && isOn(a.checked);
      box.disabled = a.disabled !== undefined && isOn(a.disabled);
      if (a.type !== 'checkbox') box.setAttribute('role', 'switch');
      else box.removeAttribute('role');
      box.style.accentColor = typeof a.color === 'string' ? a.color : '';
      return;
    }
    case 'button': {
      const b = el as HTMLButtonElement;
      const ft = a['form-type'];
      b.type = ft === 'submit' ? 'submit' : ft === 'reset' ? 'reset' : 'button';
      b.disabled = a.disabled !== undefined && isOn(a.disabled);
      setAttr(b, 'data-tt-type', typeof a.type === 'string' ? a.type : 'default');
      return;
    }
    case 'image': {
      const img = el.firstElementChild as HTMLImageElement;
      if (changed('src', v, prev)) {
        if (a.src) img.src = String(a.src);
        else img.removeAttribute('src');
      }
      return;
    }
    case 'scroll-view': {
      if (changed('scroll-top', v, prev) && a['scroll-top'] !== undefined) h.scrollTop = Number(a['scroll-top']) || 0;
      if (changed('scroll-left', v, prev) && a['scroll-left'] !== undefined) h.scrollLeft = Number(a['scroll-left']) || 0;
      const target = a['scroll-into-view'];
      if (changed('scroll-into-view', v, prev) && typeof target === 'string' && target) {
        queueMicrotask(() => h.querySelector(`#${CSS.escape(target)}`)?.scrollIntoView({ block: 'nearest' }));
      }
      return;
    }
  }
}
