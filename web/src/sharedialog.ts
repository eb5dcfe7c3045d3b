// Share on a chart or table output: a small dialog that makes a link /s/TOKEN to this
// paragraph's chart (snapshot or live, expiry, max age, table and CSV, embedding sites) and
// shows it to copy. Links are listed and revoked on /shares.

import { api, ApiError } from './api';
import { h } from './dom';

/** ShareLink is a link as POST /api/shares answers it. */
export interface ShareLink {
  token: string;
  url: string;
  mode: string;
  state: string;
}

/** expiryOf turns the dialog's choice ("never", "1h", "7d"…) into a time, or null. */
export function expiryOf(choice: string, now: Date = new Date()): string | null {
  const m = /^(\d+)([hd])$/.exec(choice);
  if (!m) return null;
  const ms = Number(m[1]) * (m[2] === 'h' ? 3600_000 : 86400_000);
  return new Date(now.getTime() + ms).toISOString();
}

/** originsOf splits the dialog's "embed on" text into origins (the server checks each). */
export function originsOf(text: string): string[] {
  return text.split(/[\s,]+/).filter(Boolean);
}

/** openShareDialog shows the dialog for paragraph pid of notebook nb, next to anchor. */
export function openShareDialog(nb: string, pid: string, live: boolean, anchor: HTMLElement): void {
  document.querySelector('[data-testid="share-dialog"]')?.remove();
  const mode = h('select', { testid: 'share-mode', 'aria-label': 'Mode' },
    h('option', { value: 'snapshot' }, 'Snapshot: the data as it is now'),
    ...(live ? [h('option', { value: 'live' }, 'Live: re-run the query, forms locked')] : []));
  const maxAge = h('select', { testid: 'share-maxage', 'aria-label': 'Refresh at most every' },
    h('option', { value: '60' }, '1 minute'), h('option', { value: '300', selected: true }, '5 minutes'),
    h('option', { value: '3600' }, '1 hour'), h('option', { value: '86400' }, '1 day'));
  const ageRow = h('label', { class: 'share-row', hidden: true }, 'Refresh at most every ', maxAge);
  const expires = h('select', { testid: 'share-expiry', 'aria-label': 'Expires' },
    h('option', { value: '7d', selected: true }, 'in 7 days'), h('option', { value: '1d' }, 'in 1 day'),
    h('option', { value: '1h' }, 'in 1 hour'), h('option', { value: '30d' }, 'in 30 days'), h('option', { value: 'never' }, 'never'));
  const table = h('input', { type: 'checkbox', testid: 'share-table-opt' });
  const csv = h('input', { type: 'checkbox', testid: 'share-csv-opt' });
  const embeds = h('input', { type: 'text', testid: 'share-embeds', placeholder: 'https://wiki.example.com (space-separated)', size: 34 });
  const out = h('input', { type: 'text', testid: 'share-url', readonly: true, size: 46 });
  const copy = h('button', { type: 'button', class: 'btn small', testid: 'share-copy' }, 'Copy');
  const result = h('div', { class: 'share-row', hidden: true }, out, copy);
  const err = h('p', { class: 'form-error', testid: 'share-error', role: 'alert', hidden: true });
  const create = h('button', { type: 'button', class: 'btn primary small', testid: 'share-create' }, 'Create link');
  const close = h('button', { type: 'button', class: 'btn small', testid: 'share-close' }, 'Close');
  const dlg = h('div', { class: 'share-dialog', testid: 'share-dialog', role: 'dialog', 'aria-label': 'Share this chart' },
    h('strong', {}, 'Share this chart'),
    h('label', { class: 'share-row' }, 'Mode ', mode), ageRow,
    h('label', { class: 'share-row' }, 'Expires ', expires),
    h('label', { class: 'share-row' }, table, ' show the data table (first 10,000 rows)'),
    h('label', { class: 'share-row' }, csv, ' allow CSV download'),
    h('label', { class: 'share-row' }, 'Embed on ', embeds),
    h('p', { class: 'share-hint' }, 'Whoever has the link sees this chart only: not the notebook, its code or other data.'),
    err, result, h('div', { class: 'share-row share-actions' }, h('a', { href: '/shares', target: '_blank', testid: 'share-manage' }, 'Shared links'), h('span', { class: 'spacer' }), create, close));
  mode.addEventListener('change', () => (ageRow.hidden = mode.value !== 'live'));
  close.addEventListener('click', () => dlg.remove());
  copy.addEventListener('click', () => {
    out.select();
    void navigator.clipboard?.writeText(out.value).catch(() => undefined);
  });
  create.addEventListener('click', async () => {
    err.hidden = true;
    create.disabled = true;
    try {
      const body: Record<string, unknown> = {
        notebook: nb, paragraph: pid, mode: mode.value, table: table.checked, csv: csv.checked,
        expires: expiryOf(expires.value),
        embedOrigins: originsOf(embeds.value),
      };
      if (mode.value === 'live') body['maxAge'] = Number(maxAge.value);
      const link = await api<ShareLink>('POST', '/api/shares', body);
      out.value = new URL(link.url, location.href).href;
      result.hidden = false;
      out.select();
    } catch (e) {
      err.textContent = e instanceof ApiError ? e.message : String(e);
      err.hidden = false;
    } finally {
      create.disabled = false;
    }
  });
  anchor.insertAdjacentElement('afterend', dlg);
}

/** initSharesPage wires the Shares page: change expiry, revoke. */
export function initSharesPage(): void {
  const err = document.querySelector<HTMLElement>('[data-testid="shares-error"]');
  const fail = (e: unknown) => {
    if (!err) return;
    err.textContent = e instanceof ApiError ? e.message : String(e);
    err.hidden = false;
  };
  for (const row of document.querySelectorAll<HTMLElement>('[data-testid="share-item"]')) {
    const tok = row.dataset['token'] ?? '';
    row.querySelector('[data-testid="share-revoke"]')?.addEventListener('click', async () => {
      try {
        await api('DELETE', `/api/shares/${encodeURIComponent(tok)}`);
        location.reload();
      } catch (e) {
        fail(e);
      }
    });
    const exp = row.querySelector<HTMLInputElement>('[data-testid="share-expires"]');
    exp?.addEventListener('change', async () => {
      try {
        // the input shows UTC, as the page's other times
        await api('PATCH', `/api/shares/${encodeURIComponent(tok)}`, { expires: exp.value ? new Date(exp.value + 'Z').toISOString() : null });
        location.reload();
      } catch (e) {
        fail(e);
      }
    });
  }
}
