/**
 * `tt.showToast`: a small, accessible toast (role="status", polite) at the top of the page.
 * @module
 */

/** Options of `showToast`. */
export interface ShowToastOptions {
  /** Text shown. */
  title: string;
  /** `success` (default), `fail`, `loading` or `none`. */
  icon?: 'success' | 'fail' | 'error' | 'loading' | 'none';
  /** How long it stays, in ms (default 1500). */
  duration?: number;
}

const ICONS: Record<string, string> = { success: '✓', fail: '✕', error: '✕', loading: '…', none: '' };

const STYLE = `
.rtcroom-toast-host { position: fixed; left: 50%; top: 12%; transform: translateX(-50%); z-index: 2147483647;
  display: flex; flex-direction: column; align-items: center; gap: 8px; pointer-events: none; }
.rtcroom-toast { min-width: 120px; max-width: min(80vw, 360px); padding: 12px 16px; border-radius: 8px;
  background: rgba(17, 17, 17, .86); color: #fff; font: 15px/1.4 system-ui, sans-serif; text-align: center;
  display: flex; flex-direction: column; align-items: center; gap: 4px; transition: opacity .2s; }
.rtcroom-toast .icon { font-size: 22px; line-height: 1; }
@media (prefers-reduced-motion: reduce) { .rtcroom-toast { transition: none; } }
`;

function host(): HTMLElement {
  let h = document.querySelector<HTMLElement>('.rtcroom-toast-host');
  if (h) return h;
  const style = document.createElement('style');
  style.textContent = STYLE;
  document.head.append(style);
  h = document.createElement('div');
  h.className = 'rtcroom-toast-host';
  h.setAttribute('role', 'status');
  h.setAttribute('aria-live', 'polite');
  document.body.append(h);
  return h;
}

/** Shows one toast; a newer toast replaces the one on screen, as on the mini-program. */
export function showToastNow(o: ShowToastOptions): void {
  const h = host();
  h.replaceChildren();
  const t = document.createElement('div');
  t.className = 'rtcroom-toast';
  t.dataset.icon = o.icon ?? 'success';
  const icon = ICONS[o.icon ?? 'success'];
  if (icon) {
    const i = document.createElement('span');
    i.className = 'icon';
    i.setAttribute('aria-hidden', 'true');
    i.textContent = icon;
    t.append(i);
  }
  const text = document.createElement('span');
  text.className = 'title';
  text.textContent = o.title;
  t.append(text);
  h.append(t);
  setTimeout(() => {
    t.style.opacity = '0';
    setTimeout(() => t.remove(), 250);
  }, o.duration ?? 1500);
}
