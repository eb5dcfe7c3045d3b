// Table outputs: column names and types, the rows held so far, the true row count, and a button
// that pages in more rows.

import { h } from './dom';
import type { Output } from './types';

const NUMERIC = /INT|DOUBLE|FLOAT|DECIMAL|NUMERIC|REAL/i;

/** cellText renders one value as text; null is shown as NULL. */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) || !Number.isFinite(v) ? String(v) : String(Number(v.toPrecision(15)));
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

/** rowCountText is "N rows", plus "showing first M" when not all rows are shown. */
export function rowCountText(total: number, shown: number): string {
  const n = `${total} ${total === 1 ? 'row' : 'rows'}`;
  return shown < total ? `${n}, showing first ${shown}` : n;
}

/** pageLimit is how many rows the "more" button asks for. */
export function pageLimit(firstPage: number): number {
  return Math.min(10_000, Math.max(100, firstPage));
}

export interface TableOptions {
  /** extra is the rows paged in after the first page. */
  extra: unknown[][];
  /** more loads the next page; the caller re-renders the table when it resolves. */
  more(): Promise<void>;
}

export function renderTable(o: Output, opts: TableOptions): HTMLElement {
  const cols = o.columns ?? [];
  const rows = [...(o.rows ?? []), ...opts.extra];
  const total = typeof o.rowCount === 'number' ? o.rowCount : rows.length;
  const numeric = cols.map((c) => NUMERIC.test(c.type));

  const head = h(
    'tr',
    {},
    ...cols.map((c, i) =>
      h('th', { class: numeric[i] ? 'num' : null, title: `${c.name} ${c.type}` }, h('span', { class: 'col-name' }, c.name), h('span', { class: 'col-type' }, c.type)),
    ),
  );
  const body = h('tbody');
  const frag = document.createDocumentFragment();
  for (const r of rows) {
    const tr = document.createElement('tr');
    const width = Math.max(cols.length, r.length);
    for (let i = 0; i < width; i++) {
      const v = r[i];
      const td = document.createElement('td');
      const text = cellText(v);
      td.textContent = text;
      if (v === null || v === undefined) td.className = 'null';
      else if (numeric[i] || typeof v === 'number') td.className = 'num';
      if (text.length > 60) td.title = text;
      else if (typeof v === 'number' && text !== String(v)) td.title = String(v);
      tr.appendChild(td);
    }
    frag.appendChild(tr);
  }
  body.appendChild(frag);

  const table = h('table', { class: 'result-table', testid: 'result-table' }, h('thead', {}, head), body);
  const count = h('span', { class: 'row-count', testid: 'row-count', 'data-row-count': total, 'data-shown': rows.length }, rowCountText(total, rows.length));
  const foot = h('div', { class: 'table-foot' }, count);
  if (rows.length < total && o.resultId) {
    const btn = h('button', { type: 'button', class: 'btn small', testid: 'more-rows' }, 'Show more');
    btn.addEventListener('click', () => {
      btn.disabled = true;
      btn.textContent = 'Loading…';
      opts.more().catch(() => {
        btn.disabled = false;
        btn.textContent = 'Show more';
      });
    });
    foot.appendChild(btn);
  }
  return h('div', { class: 'out out-table', testid: 'output', 'data-type': 'table' }, h('div', { class: 'table-scroll' }, table), foot);
}
