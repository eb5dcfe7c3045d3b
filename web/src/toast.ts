// Toasts: short messages in the corner for errors that belong to no paragraph (and for those
// that do, as well as the paragraph's own notice). Errors are shown, never swallowed.

import { h } from './dom';

let area: HTMLElement | null = null;

function container(): HTMLElement {
  if (area && area.isConnected) return area;
  area = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });
  document.body.appendChild(area);
  return area;
}

export type ToastKind = 'error' | 'info';

/** toast shows message for a while (errors stay longer; click to dismiss). */
export function toast(message: string, kind: ToastKind = 'error'): HTMLElement {
  const el = h('div', { class: `toast toast-${kind}`, testid: 'toast', title: 'Click to dismiss' }, message);
  el.addEventListener('click', () => el.remove());
  container().appendChild(el);
  setTimeout(() => el.remove(), kind === 'error' ? 8000 : 3000);
  if (kind === 'error') console.warn('lakebook:', message);
  return el;
}
