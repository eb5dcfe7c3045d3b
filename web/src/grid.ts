// The result grid: a table output as a virtualized table that renders only the rows in view
// (fixed row height) and pages the rest in from the server as Arrow (`rows`), sorted and
// filtered there; column names and types in the header, per-column summaries (`summary`) on
// demand. The pure parts (scroll geometry, the page cache, sort cycling, filter values) are
// exported for the unit tests.

import { type Cell, formatJSON, isNumeric, sqlFormat, type ValueFormat, type DecodedPage } from './arrow';
import { h, setText } from './dom';
import { formatCount, plural } from './stats';
import type { Column, ColumnSummary, Filter, FilterOp, SortKey } from './types';

/** Rows are this tall (px); CSS sets the same height on .result-table tbody rows. */
export const ROW_HEIGHT = 24;
/** Rows per page: the server's first page of a table output is 100 rows, so it seeds page 0. */
export const PAGE_SIZE = 100;
/** A request asks for at most this many pages at once (the server allows 10,000 rows). */
export const MAX_PAGES_PER_REQUEST = 20;
/** The scrolled area is at most this tall: browsers cap an element's height (Chrome near 33.5
 * million px), so a taller result scrolls proportionally instead. */
export const MAX_SCROLL_PX = 15_000_000;

export interface Viewport {
  /** The first row drawn. */
  first: number;
  /** How many rows are drawn. */
  count: number;
  /** Where the first row's top is, relative to the top of the body's visible area (≤ 0). */
  offset: number;
}

/** scrollHeight is the height of the scrolled rows area for total rows. */
export function scrollHeight(total: number, rowHeight = ROW_HEIGHT, max = MAX_SCROLL_PX): number {
  return Math.min(Math.max(0, total) * rowHeight, max);
}

/** viewport is which rows to draw when the rows area is scrolled to scrollTop and height px of
 * it are visible. Up to max px the mapping is 1:1; beyond, scrollTop maps linearly onto the
 * rows so that the top shows row 0 and the bottom the last row. */
export function viewport(scrollTop: number, height: number, total: number, rowHeight = ROW_HEIGHT, max = MAX_SCROLL_PX): Viewport {
  if (total <= 0) return { first: 0, count: 0, offset: 0 };
  const h = Math.max(rowHeight, height);
  const content = total * rowHeight;
  const area = scrollHeight(total, rowHeight, max);
  const top = Math.min(Math.max(0, scrollTop), Math.max(0, area - h));
  let pos = top;
  if (content > area) {
    const scrollable = area - h;
    pos = scrollable > 0 ? (top / scrollable) * (content - h) : 0;
  }
  pos = Math.max(0, Math.min(pos, Math.max(0, content - h)));
  const first = Math.min(total - 1, Math.floor(pos / rowHeight));
  const offset = first * rowHeight - pos;
  const count = Math.min(total - first, Math.ceil((h - offset) / rowHeight) + 1);
  return { first, count, offset };
}

/** pagesFor are the pages holding rows [first, last], and `around` pages either side that are
 * worth fetching ahead, within the total's pages. */
export function pagesFor(first: number, last: number, total: number, pageSize = PAGE_SIZE, around = 1): number[] {
  if (total <= 0 || last < first) return [];
  const lastPage = Math.floor((total - 1) / pageSize);
  const from = Math.max(0, Math.floor(first / pageSize) - around);
  const to = Math.min(lastPage, Math.floor(Math.min(last, total - 1) / pageSize) + around);
  const out: number[] = [];
  for (let p = from; p <= to; p++) out.push(p);
  return out;
}

/** pageRuns merges sorted page numbers into requests of consecutive pages, at most max each. */
export function pageRuns(pages: number[], max = MAX_PAGES_PER_REQUEST): { page: number; count: number }[] {
  const out: { page: number; count: number }[] = [];
  for (const p of [...pages].sort((a, b) => a - b)) {
    const last = out[out.length - 1];
    if (last && last.page + last.count === p && last.count < max) last.count++;
    else if (!last || last.page + last.count <= p) out.push({ page: p, count: 1 });
  }
  return out;
}

/** PageCache holds pages of display rows, least recently used evicted first, and the pages
 * asked for and not answered yet (so no page is asked for twice at a time). */
export class PageCache {
  private pages = new Map<number, Cell[][]>();
  private inflight = new Set<number>();

  constructor(
    readonly pageSize = PAGE_SIZE,
    readonly maxPages = 300,
  ) {}

  /** row is row i, or undefined while its page is not held. */
  row(i: number): Cell[] | undefined {
    return this.pages.get(Math.floor(i / this.pageSize))?.[i % this.pageSize];
  }

  has(page: number): boolean {
    return this.pages.has(page);
  }

  /** touch marks pages as just used. */
  touch(pages: number[]): void {
    for (const p of pages) {
      const rows = this.pages.get(p);
      if (!rows) continue;
      this.pages.delete(p);
      this.pages.set(p, rows);
    }
  }

  put(page: number, rows: Cell[][]): void {
    this.inflight.delete(page);
    this.pages.delete(page);
    this.pages.set(page, rows);
    while (this.pages.size > this.maxPages) {
      const oldest = this.pages.keys().next().value as number;
      this.pages.delete(oldest);
    }
  }

  /** missing are the pages of `pages` neither held nor asked for. */
  missing(pages: number[]): number[] {
    return pages.filter((p) => !this.pages.has(p) && !this.inflight.has(p));
  }

  /** asked marks pages as requested; failed forgets that they were. */
  asked(pages: number[]): void {
    for (const p of pages) this.inflight.add(p);
  }

  failed(pages: number[]): void {
    for (const p of pages) this.inflight.delete(p);
  }

  /** putRows splits rows starting at page `page` into pages. */
  putRows(page: number, rows: Cell[][]): void {
    for (let i = 0; i * this.pageSize < rows.length; i++) this.put(page + i, rows.slice(i * this.pageSize, (i + 1) * this.pageSize));
  }

  clear(): void {
    this.pages.clear();
    this.inflight.clear();
  }

  get size(): number {
    return this.pages.size;
  }
}

/** nextSort is the sort after a click on column's header: ascending, then descending, then
 * not sorted by it. additive (shift-click) keeps the other columns' order. */
export function nextSort(sort: SortKey[], column: string, additive = false): SortKey[] {
  const cur = sort.find((s) => s.column === column);
  const others = additive ? sort.filter((s) => s.column !== column) : [];
  if (!cur) return [...others, { column }];
  if (!cur.desc) return additive ? sort.map((s) => (s.column === column ? { column, desc: true } : s)) : [{ column, desc: true }];
  return others;
}

export const FILTER_OPS: { op: FilterOp; label: string; value: boolean }[] = [
  { op: '=', label: '=', value: true },
  { op: '!=', label: '≠', value: true },
  { op: '<', label: '<', value: true },
  { op: '<=', label: '≤', value: true },
  { op: '>', label: '>', value: true },
  { op: '>=', label: '≥', value: true },
  { op: 'contains', label: 'contains', value: true },
  { op: 'is_null', label: 'is NULL', value: false },
  { op: 'not_null', label: 'is not NULL', value: false },
];

/** filterFrom is the filter a popover's fields make, or null when it needs a value it lacks.
 * Numbers are sent as numbers for numeric columns (unless contains), booleans as booleans. */
export function filterFrom(column: string, op: FilterOp, input: string, f: ValueFormat): Filter | null {
  const def = FILTER_OPS.find((o) => o.op === op);
  if (!def) return null;
  if (!def.value) return { column, op };
  const text = input.trim();
  if (op !== 'contains' && isNumeric(f)) {
    const n = Number(text);
    if (text === '' || !Number.isFinite(n)) return null;
    return { column, op, value: n };
  }
  if (op !== 'contains' && f.kind === 'bool') {
    if (/^(true|t|yes|1)$/i.test(text)) return { column, op, value: true };
    if (/^(false|f|no|0)$/i.test(text)) return { column, op, value: false };
    return null;
  }
  return { column, op, value: op === 'contains' ? input : text };
}

/** filterText is a filter as people read it: "delay > 60", "origin contains SE". */
export function filterText(f: Filter): string {
  const label = FILTER_OPS.find((o) => o.op === f.op)?.label ?? f.op;
  return f.value === undefined ? `${f.column} ${label}` : `${f.column} ${label} ${String(f.value)}`;
}

/** countText is the grid's row count: "1,000,000 rows", or "12 of 1,000,000 rows" filtered. */
export function countText(total: number, matched: number | null): string {
  if (matched === null) return plural(total, 'row');
  return `${formatCount(matched)} of ${plural(total, 'row')}`;
}

/** columnWidth guesses a column's width (px) from its name, type and some of its values. */
export function columnWidth(name: string, type: string, sample: Cell[]): number {
  let ch = Math.max(name.length + 2, type.length * 0.8);
  for (const c of sample) ch = Math.max(ch, (c ?? 'NULL').length);
  return Math.round(Math.min(360, Math.max(96, ch * 7.6 + 24)));
}

/** rowNumberWidth is the width (px) of the row number column for total rows. */
export function rowNumberWidth(total: number): number {
  return Math.max(40, String(Math.max(1, total)).length * 7 + 18);
}

/** sparkBars are a histogram's bars as [x, y, width, height] in a w×h box. */
export function sparkBars(counts: number[], w: number, h: number): [number, number, number, number][] {
  const max = Math.max(0, ...counts);
  if (counts.length === 0 || max <= 0) return [];
  const bw = w / counts.length;
  return counts.map((c, i) => {
    const bh = c > 0 ? Math.max(1, (c / max) * h) : 0;
    return [i * bw, h - bh, Math.max(0.5, bw - 1), bh];
  });
}

export interface GridSource {
  /** rows fetches rows [offset, offset+limit) of the result sorted and filtered. */
  rows(req: { offset: number; limit: number; sort: SortKey[]; filter: Filter[] }): Promise<{ matched: number; page: DecodedPage }>;
  summary(): Promise<ColumnSummary[]>;
}

export interface GridOptions {
  columns: Column[];
  /** The result's true row count. */
  total: number;
  /** The first page of rows as JSON (the table output's `rows`). */
  first: unknown[][];
  /** Where more rows come from; null for an output without a resultId (its rows are all). */
  source: GridSource | null;
  toast(message: string): void;
}

const NS = 'http://www.w3.org/2000/svg';

/** ResultGrid is the table of one table output. `info` (row count, sort and filter chips) and
 * `statsButton` go in the result's toolbar; `el` is the table. */
export class ResultGrid {
  readonly el: HTMLElement;
  readonly info: HTMLElement;
  readonly statsButton: HTMLButtonElement;
  private readonly scroll: HTMLElement;
  private readonly table: HTMLTableElement;
  private readonly thead: HTMLTableSectionElement;
  private readonly tbody: HTMLTableSectionElement;
  private readonly summaryRow: HTMLTableRowElement;
  private readonly top: HTMLTableRowElement;
  private readonly bottom: HTMLTableRowElement;
  private readonly countEl: HTMLElement;
  private readonly chips: HTMLElement;
  private readonly heads: HTMLTableCellElement[] = [];
  private readonly pool: HTMLTableRowElement[] = [];
  private readonly formats: ValueFormat[];
  private readonly cache = new PageCache();
  private readonly seed: Cell[][];
  private sort: SortKey[] = [];
  private filter: Filter[] = [];
  /** The rows the current sort and filter give (the true count until told otherwise). */
  private total: number;
  /** Set from a sort or filter change until the server says how many rows match. */
  private counting = false;
  /** Bumped by each sort or filter change: answers for an older one are dropped. */
  private gen = 0;
  private frame = 0;
  private fetchTimer: ReturnType<typeof setTimeout> | null = null;
  private lastFetch = 0;
  private popover: HTMLElement | null = null;
  private readonly outside = (e: MouseEvent) => {
    if (this.popover && !this.popover.contains(e.target as Node)) this.closeFilter();
  };
  private summaries: Promise<ColumnSummary[]> | null = null;
  private errorShown = -1;
  private resize: ResizeObserver | null = null;

  constructor(private o: GridOptions) {
    const cols = o.columns;
    this.formats = cols.map((c) => sqlFormat(c.type));
    this.seed = o.first.map((r) => cols.map((_c, i) => formatJSON(r[i], this.formats[i]!)));
    this.total = Math.max(o.total, this.seed.length);
    if (!o.source) this.total = this.seed.length;
    this.seedCache();

    let width = rowNumberWidth(this.total);
    const colgroup = h('colgroup', {}, h('col', { style: `width: ${width}px` }));
    cols.forEach((c, i) => {
      const w = columnWidth(c.name, c.type, this.seed.slice(0, 50).map((r) => r[i] ?? null));
      width += w;
      colgroup.appendChild(h('col', { style: `width: ${w}px` }));
    });

    const headRow = h('tr', { class: 'head-row' }, h('th', { class: 'rownum', 'aria-label': 'row' }));
    cols.forEach((c, i) => {
      const numeric = isNumeric(this.formats[i]!);
      const sortBtn = h(
        'button',
        { type: 'button', class: 'col-sort', testid: 'sort', title: o.source ? `Sort by ${c.name} (shift-click: add to the sort)` : c.name },
        h('span', { class: 'col-name' }, c.name),
        h('span', { class: 'col-type' }, c.type, h('span', { class: 'sort-mark', 'aria-hidden': 'true' })),
      );
      sortBtn.disabled = !o.source;
      sortBtn.addEventListener('click', (e) => this.setSort(nextSort(this.sort, c.name, e.shiftKey)));
      const filterBtn = h('button', { type: 'button', class: 'col-filter', testid: 'filter', title: `Filter ${c.name}`, 'aria-label': `Filter ${c.name}` }, '⏷');
      filterBtn.addEventListener('click', (e) => {
        e.stopPropagation();
        this.openFilter(i, th);
      });
      const th = h('th', { class: numeric ? 'num' : null, testid: 'column-header', 'data-column': c.name, title: `${c.name} ${c.type}` }, h('div', { class: 'th-inner' }, sortBtn, o.source ? filterBtn : null));
      this.heads.push(th);
      headRow.appendChild(th);
    });
    this.summaryRow = h('tr', { class: 'summary-row', testid: 'summary-row', hidden: true }, h('th', { class: 'rownum' }));
    this.thead = h('thead', {}, headRow, this.summaryRow);
    const span = String(cols.length + 1);
    this.top = h('tr', { class: 'spacer', 'aria-hidden': 'true' }, h('td', { colspan: span }));
    this.bottom = h('tr', { class: 'spacer', 'aria-hidden': 'true' }, h('td', { colspan: span }));
    this.tbody = h('tbody', {}, this.top, this.bottom);
    this.table = h('table', { class: 'result-table', testid: 'result-table', style: `width: ${width}px` }, colgroup, this.thead, this.tbody);
    this.scroll = h('div', { class: 'table-scroll', testid: 'grid-scroll', tabindex: '0' }, this.table);
    this.scroll.addEventListener('scroll', () => this.schedule(), { passive: true });
    this.el = h('div', { class: 'grid' }, this.scroll);

    this.countEl = h('span', { class: 'row-count', testid: 'row-count' });
    this.chips = h('span', { class: 'grid-chips' });
    this.info = h('span', { class: 'grid-info' }, this.countEl, this.chips);
    this.statsButton = h('button', { type: 'button', class: 'btn small', testid: 'stats-toggle', title: 'Nulls, distinct values, range and distribution of each column', 'aria-pressed': 'false' }, 'Column stats');
    this.statsButton.hidden = !o.source;
    this.statsButton.addEventListener('click', () => this.toggleSummary());

    this.showCount();
    this.draw();
    if (typeof ResizeObserver !== 'undefined') {
      this.resize = new ResizeObserver(() => this.schedule());
      this.resize.observe(this.scroll);
    }
    if (o.source && this.cache.size === 0) this.fetchNow();
  }

  /** seedCache puts the output's first page in the cache: whole pages of it, or all of it
   * when it is the whole result. */
  private seedCache(): void {
    const n = this.seed.length >= this.total ? this.seed.length : PAGE_SIZE * Math.floor(this.seed.length / PAGE_SIZE);
    if (n > 0) this.cache.putRows(0, this.seed.slice(0, n));
  }

  /** The visible height of the rows area. */
  private bodyHeight(): number {
    const h = this.scroll.clientHeight - this.thead.offsetHeight;
    return h > 0 ? h : 20 * ROW_HEIGHT;
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  /** draw renders the rows in view (and asks for those not held, debounced). */
  private draw(): void {
    const area = scrollHeight(this.total);
    const bodyH = this.bodyHeight();
    const v = viewport(this.scroll.scrollTop, bodyH, this.total);
    const topPx = Math.max(0, Math.min(area, Math.min(this.scroll.scrollTop, Math.max(0, area - bodyH)) + v.offset));
    (this.top.firstChild as HTMLElement).style.height = `${topPx}px`;
    this.top.hidden = topPx === 0;
    const bottomPx = Math.max(0, area - topPx - v.count * ROW_HEIGHT);
    (this.bottom.firstChild as HTMLElement).style.height = `${bottomPx}px`;
    this.bottom.hidden = bottomPx === 0;

    const n = this.o.columns.length;
    let missing = false;
    for (let i = 0; i < v.count; i++) {
      let tr = this.pool[i];
      if (!tr) {
        tr = document.createElement('tr');
        tr.appendChild(h('td', { class: 'rownum' }));
        for (let c = 0; c < n; c++) tr.appendChild(document.createElement('td'));
        this.pool.push(tr);
      }
      const prev = i === 0 ? this.top : this.pool[i - 1]!;
      if (tr.previousSibling !== prev || tr.parentNode !== this.tbody) this.tbody.insertBefore(tr, prev.nextSibling);
      const index = v.first + i;
      const row = this.cache.row(index);
      if (!row) missing = true;
      this.fillRow(tr, index, row);
    }
    for (let i = v.count; i < this.pool.length; i++) this.pool[i]!.remove();
    if (this.o.source) {
      const pages = pagesFor(v.first, v.first + v.count - 1, this.total, PAGE_SIZE, 0);
      this.cache.touch(pages);
      if (missing || this.cache.missing(pagesFor(v.first, v.first + v.count - 1, this.total)).length > 0) this.fetchSoon();
    }
  }

  private fillRow(tr: HTMLTableRowElement, index: number, row: Cell[] | undefined): void {
    tr.dataset['row'] = String(index);
    tr.className = row ? '' : 'loading';
    const cells = tr.children;
    const num = cells[0] as HTMLElement;
    num.dataset['n'] = String(index + 1);
    for (let c = 0; c < this.o.columns.length; c++) {
      const td = cells[c + 1] as HTMLElement;
      const v = row ? row[c] : undefined;
      const text = v === undefined ? '' : v === null ? 'NULL' : v;
      if (td.textContent !== text) td.textContent = text;
      const cls = v === null ? 'null' : isNumeric(this.formats[c]!) ? 'num' : '';
      if (td.className !== cls) td.className = cls;
      const title = text.length > 40 ? text : '';
      if (td.title !== title) td.title = title;
    }
  }

  /** fetchSoon asks for the pages in view once scrolling pauses (or at least every 300 ms
   * while it goes on). */
  private fetchSoon(): void {
    if (this.fetchTimer !== null) clearTimeout(this.fetchTimer);
    const wait = Date.now() - this.lastFetch > 300 ? 30 : 90;
    this.fetchTimer = setTimeout(() => {
      this.fetchTimer = null;
      this.fetchNow();
    }, wait);
  }

  private fetchNow(): void {
    const src = this.o.source;
    if (!src) return;
    this.lastFetch = Date.now();
    const v = viewport(this.scroll.scrollTop, this.bodyHeight(), this.total);
    // With the count not known yet (after a sort or filter change), ask for the first page.
    const pages = this.total > 0 ? pagesFor(v.first, v.first + Math.max(0, v.count - 1), this.total) : [0];
    const need = this.cache.missing(pages);
    if (need.length === 0) return;
    this.cache.asked(need);
    const gen = this.gen;
    for (const run of pageRuns(need)) {
      const pages = Array.from({ length: run.count }, (_, i) => run.page + i);
      src.rows({ offset: run.page * PAGE_SIZE, limit: run.count * PAGE_SIZE, sort: this.sort, filter: this.filter }).then(
        ({ matched, page }) => {
          if (gen !== this.gen) return;
          this.cache.putRows(run.page, page.rows);
          // pages past the end came back empty: mark them held so they are not asked again
          for (const p of pages) if (!this.cache.has(p)) this.cache.put(p, []);
          if (typeof matched === 'number' && (matched !== this.total || this.counting)) {
            this.total = matched;
            this.counting = false;
            this.showCount();
          }
          this.draw();
        },
        (err: unknown) => {
          if (gen !== this.gen) return;
          this.cache.failed(pages);
          if (this.errorShown !== gen) {
            this.errorShown = gen;
            this.o.toast(`Could not load rows: ${err instanceof Error ? err.message : String(err)}`);
          }
        },
      );
    }
  }

  /** reload starts over after a sort or filter change: from the top, no rows held. */
  private reload(): void {
    this.gen++;
    this.cache.clear();
    if (this.sort.length === 0 && this.filter.length === 0) {
      this.total = Math.max(this.o.total, this.seed.length);
      this.seedCache();
    }
    this.scroll.scrollTop = 0;
    this.showCount();
    this.showSort();
    this.draw();
    this.fetchNow();
  }

  private setSort(sort: SortKey[]): void {
    if (!this.o.source) return;
    this.sort = sort;
    this.reload();
  }

  private setFilter(column: string, f: Filter | null): void {
    this.filter = this.filter.filter((x) => x.column !== column);
    if (f) this.filter.push(f);
    this.counting = this.filter.length > 0;
    this.reload();
  }

  private showCount(): void {
    const filtered = this.filter.length > 0;
    setText(this.countEl, filtered && this.counting ? `filtering ${plural(this.o.total, 'row')}…` : countText(this.o.total, filtered ? this.total : null));
    this.countEl.dataset['rowCount'] = String(this.o.total);
    this.countEl.dataset['matched'] = String(this.total);
    this.chips.replaceChildren(
      ...this.filter.map((f) =>
        h(
          'span',
          { class: 'chip', testid: 'filter-chip' },
          filterText(f),
          h('button', { type: 'button', class: 'chip-x', title: 'Remove this filter', 'aria-label': 'Remove this filter', onclick: () => this.setFilter(f.column, null) }, '✕'),
        ),
      ),
    );
    this.heads.forEach((th, i) => th.classList.toggle('filtered', this.filter.some((f) => f.column === this.o.columns[i]?.name)));
  }

  private showSort(): void {
    this.heads.forEach((th, i) => {
      const name = this.o.columns[i]?.name;
      const k = this.sort.findIndex((s) => s.column === name);
      const mark = th.querySelector<HTMLElement>('.sort-mark');
      const s = this.sort[k];
      th.dataset['sort'] = s ? (s.desc ? 'desc' : 'asc') : '';
      th.setAttribute('aria-sort', s ? (s.desc ? 'descending' : 'ascending') : 'none');
      if (mark) setText(mark, s ? `${s.desc ? ' ▼' : ' ▲'}${this.sort.length > 1 ? k + 1 : ''}` : '');
    });
  }

  private openFilter(i: number, th: HTMLElement): void {
    const col = this.o.columns[i];
    if (!col) return;
    this.closeFilter();
    const cur = this.filter.find((f) => f.column === col.name);
    const f = this.formats[i]!;
    const op = h('select', { class: 'filter-op', testid: 'filter-op', 'aria-label': 'Comparison' }, ...FILTER_OPS.map((o) => h('option', { value: o.op }, o.label)));
    op.value = cur?.op ?? (isNumeric(f) ? '>' : f.kind === 'string' ? 'contains' : '=');
    const value = h('input', { type: 'text', class: 'filter-value', testid: 'filter-value', 'aria-label': 'Value', placeholder: isNumeric(f) ? 'number' : 'value' });
    value.value = cur?.value === undefined ? '' : String(cur.value);
    const syncValue = () => {
      value.hidden = !FILTER_OPS.find((o) => o.op === op.value)?.value;
    };
    op.addEventListener('change', syncValue);
    syncValue();
    const msg = h('div', { class: 'filter-msg', role: 'status' });
    const apply = h('button', { type: 'submit', class: 'btn small primary', testid: 'filter-apply' }, 'Apply');
    const clear = h('button', { type: 'button', class: 'btn small', testid: 'filter-clear' }, 'Clear');
    const form = h('form', { class: 'filter-popover', testid: 'filter-popover', autocomplete: 'off' }, h('div', { class: 'filter-title' }, col.name), h('div', { class: 'filter-row' }, op, value), msg, h('div', { class: 'filter-row' }, apply, clear));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const fl = filterFrom(col.name, op.value as FilterOp, value.value, f);
      if (!fl) {
        setText(msg, isNumeric(f) ? 'Enter a number' : f.kind === 'bool' ? 'Enter true or false' : 'Enter a value');
        value.focus();
        return;
      }
      this.closeFilter();
      this.setFilter(col.name, fl);
    });
    clear.addEventListener('click', () => {
      this.closeFilter();
      if (cur) this.setFilter(col.name, null);
    });
    form.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        this.closeFilter();
      }
    });
    const box = this.el.getBoundingClientRect();
    const at = th.getBoundingClientRect();
    form.style.left = `${Math.max(0, Math.min(at.left - box.left, box.width - 260))}px`;
    form.style.top = `${at.bottom - box.top + 2}px`;
    this.el.appendChild(form);
    this.popover = form;
    (value.hidden ? op : value).focus();
    document.addEventListener('mousedown', this.outside);
  }

  private closeFilter(): void {
    document.removeEventListener('mousedown', this.outside);
    if (!this.popover) return;
    this.popover.remove();
    this.popover = null;
  }

  private toggleSummary(): void {
    const show = this.summaryRow.hidden === true;
    this.summaryRow.hidden = !show;
    this.statsButton.setAttribute('aria-pressed', String(show));
    this.statsButton.classList.toggle('on', show);
    if (show && !this.summaries && this.o.source) {
      this.summaryRow.appendChild(h('th', { colspan: String(this.o.columns.length), class: 'summary-loading' }, 'Computing column stats…'));
      this.summaries = this.o.source.summary();
      this.summaries.then(
        (cols) => this.showSummary(cols),
        (err: unknown) => {
          this.summaries = null;
          this.summaryRow.hidden = true;
          this.statsButton.setAttribute('aria-pressed', 'false');
          this.statsButton.classList.remove('on');
          this.summaryRow.replaceChildren(h('th', { class: 'rownum' }));
          this.o.toast(`Could not compute the column stats: ${err instanceof Error ? err.message : String(err)}`);
        },
      );
    }
    this.draw();
  }

  private showSummary(cols: ColumnSummary[]): void {
    const cells = this.o.columns.map((c, i) => {
      const s = cols.find((x) => x.name === c.name) ?? cols[i];
      if (!s) return h('th', { class: 'col-summary' });
      const f = this.formats[i]!;
      const min = formatJSON(s.min, f) ?? 'NULL';
      const max = formatJSON(s.max, f) ?? 'NULL';
      const counts = (s.histogram ?? []).map((b) => b.count);
      const svg = document.createElementNS(NS, 'svg');
      svg.setAttribute('class', 'spark');
      svg.setAttribute('viewBox', '0 0 100 24');
      svg.setAttribute('preserveAspectRatio', 'none');
      for (const [x, y, w, hh] of sparkBars(counts, 100, 24)) {
        const r = document.createElementNS(NS, 'rect');
        r.setAttribute('x', x.toFixed(2));
        r.setAttribute('y', y.toFixed(2));
        r.setAttribute('width', w.toFixed(2));
        r.setAttribute('height', hh.toFixed(2));
        svg.appendChild(r);
      }
      const bins = (s.histogram ?? []).map((b) => `${formatJSON(b.lo, f) ?? '…'} – ${formatJSON(b.hi, f) ?? '…'}: ${formatCount(b.count)}`);
      const title = [`${c.name} ${c.type}`, `nulls: ${formatCount(s.nulls)}`, `distinct: ${s.approx ? 'about ' : ''}${formatCount(s.distinct)}`, `min: ${min}`, `max: ${max}`, ...(bins.length ? ['', ...bins] : [])].join('\n');
      return h(
        'th',
        { class: 'col-summary', testid: 'column-summary', 'data-column': c.name, title },
        counts.length > 0 ? svg : null,
        h('div', { class: 'sum-line', testid: 'summary-counts' }, `${s.nulls > 0 ? `${formatCount(s.nulls)} null · ` : ''}${s.approx ? '≈' : ''}${plural(s.distinct, 'distinct', 'distinct')}`),
        h('div', { class: 'sum-line sum-range', testid: 'summary-range' }, min === max ? min : `${min} … ${max}`),
      );
    });
    this.summaryRow.replaceChildren(h('th', { class: 'rownum' }), ...cells);
    this.draw();
  }

  destroy(): void {
    this.gen++;
    this.closeFilter();
    this.resize?.disconnect();
    if (this.frame) cancelAnimationFrame(this.frame);
    if (this.fetchTimer !== null) clearTimeout(this.fetchTimer);
  }
}
