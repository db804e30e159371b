/**
 * The interaction APIs as a user sees them: loading (a toast with a spinner that stays until
 * hidden) and the modal dialog (`tt.showModal`). Toasts come from the SDK's `tt` shim.
 * @module
 */

/** Options of `tt.showModal`. */
export interface ModalOptions {
  title?: string;
  content?: string;
  showCancel?: boolean;
  cancelText?: string;
  confirmText?: string;
  cancelColor?: string;
  confirmColor?: string;
}

/** Shows the loading box (replacing any earlier one). */
export function showLoadingBox(title: string): void {
  hideLoadingBox();
  const box = document.createElement('div');
  box.className = 'tt-loading';
  box.setAttribute('role', 'status');
  box.setAttribute('aria-live', 'polite');
  const spin = document.createElement('span');
  spin.className = 'tt-spinner';
  spin.setAttribute('aria-hidden', 'true');
  const text = document.createElement('span');
  text.className = 'title';
  text.textContent = title;
  box.append(spin, text);
  document.body.append(box);
}

/** Removes the loading box; false when none was shown. */
export function hideLoadingBox(): boolean {
  const old = document.querySelectorAll('.tt-loading');
  old.forEach((e) => e.remove());
  return old.length > 0;
}

/** Removes the toast on screen. */
export function hideToastBox(): void {
  document.querySelector('.rtcroom-toast-host')?.replaceChildren();
}

/** Shows a modal dialog; resolves with which button was pressed. */
export function showModalBox(o: ModalOptions): Promise<{ confirm: boolean; cancel: boolean }> {
  return new Promise((resolve) => {
    const mask = document.createElement('div');
    mask.className = 'tt-modal-mask';
    const box = document.createElement('div');
    box.className = 'tt-modal';
    box.setAttribute('role', 'dialog');
    box.setAttribute('aria-modal', 'true');
    if (o.title) {
      const h = document.createElement('h2');
      h.className = 'tt-modal-title';
      h.textContent = o.title;
      box.append(h);
      box.setAttribute('aria-label', o.title);
    }
    if (o.content) {
      const p = document.createElement('p');
      p.className = 'tt-modal-content';
      p.textContent = o.content;
      box.append(p);
    }
    const buttons = document.createElement('div');
    buttons.className = 'tt-modal-buttons';
    const button = (label: string, color: string | undefined, confirm: boolean): HTMLButtonElement => {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = label;
      b.className = confirm ? 'tt-modal-confirm' : 'tt-modal-cancel';
      if (color) b.style.color = color;
      b.addEventListener('click', () => {
        mask.remove();
        resolve({ confirm, cancel: !confirm });
      });
      return b;
    };
    if (o.showCancel !== false) buttons.append(button(o.cancelText ?? '取消', o.cancelColor, false));
    const ok = button(o.confirmText ?? '确定', o.confirmColor, true);
    buttons.append(ok);
    box.append(buttons);
    mask.append(box);
    document.body.append(mask);
    ok.focus();
  });
}
