// The data catalog: a side panel listing the tables crawled from data folders and buckets
// (columns, partition keys, rows, size), a form to crawl a location into a table, and names that
// insert themselves into the paragraph being edited.

import { api, ApiError } from './api';
import { h } from './dom';
import { SidePanel } from './panel';
import { formatBytes, formatCount, plural } from './stats';
import { toast } from './toast';

export interface CatalogColumn {
  name: string;
  type: string;
}

/** CatalogTable is a table of GET /api/catalog/tables. rows is -1 when unknown. */
export interface CatalogTable {
  name: string;
  location: string;
  format: 'parquet' | 'csv' | 'json' | string;
  columns: CatalogColumn[] | null;
  partitionKeys: CatalogColumn[] | null;
  partitions: number;
  files: number;
  rows: number;
  bytes: number;
  crawledAt: string;
}

export interface CatalogFile {
  key: string;
  size: number;
  rows: number;
  partition?: Record<string, string> | null;
}

export interface CatalogTableDetail extends CatalogTable {
  partitionValues: string[] | null;
  fileList: CatalogFile[] | null;
}

/** CrawlChanges is what a crawl found changed since the table's previous crawl. */
export interface CrawlChanges {
  new_partitions?: string[] | null;
  removed_partitions?: string[] | null;
  new_columns?: CatalogColumn[] | null;
  changed_columns?: { name: string; old_type: string; new_type: string }[] | null;
  removed_columns?: CatalogColumn[] | null;
  new_files?: string[] | null;
  changed_files?: string[] | null;
  removed_files?: string[] | null;
  files_read?: number;
}

export interface CrawlResult {
  table: CatalogTable;
  changes: CrawlChanges | null;
}

const base = '/api/catalog';
const tablePath = (name: string) => `${base}/tables/${encodeURIComponent(name)}`;

export const catalogAPI = {
  list: () => api<{ tables: CatalogTable[] | null }>('GET', `${base}/tables`),
  get: (name: string) => api<CatalogTableDetail>('GET', tablePath(name)),
  create: (name: string, location: string, format?: string) =>
    api<CrawlResult>('POST', `${base}/tables`, { name, location, ...(format ? { format } : {}) }),
  remove: (name: string) => api<unknown>('DELETE', tablePath(name)),
  crawl: (location: string, table?: string) => api<CrawlResult>('POST', `${base}/crawl`, { location, ...(table ? { table } : {}) }),
};

const size = (v: unknown): number => (Array.isArray(v) ? v.length : typeof v === 'number' && v > 0 ? v : 0);

/** changeSummary is a crawl's changes in a few words: "3 new partitions, 1 new column" or
 * "no changes". */
export function changeSummary(c: CrawlChanges | null | undefined): string {
  if (!c) return 'no changes';
  const parts: [unknown, string, string][] = [
    [c.new_partitions, 'new partition', 'new partitions'],
    [c.removed_partitions, 'removed partition', 'removed partitions'],
    [c.new_columns, 'new column', 'new columns'],
    [c.changed_columns, 'changed column', 'changed columns'],
    [c.removed_columns, 'removed column', 'removed columns'],
    [c.new_files, 'new file', 'new files'],
    [c.changed_files, 'changed file', 'changed files'],
    [c.removed_files, 'removed file', 'removed files'],
  ];
  const out = parts.filter(([v]) => size(v) > 0).map(([v, one, many]) => plural(size(v), one, many));
  return out.length === 0 ? 'no changes' : out.join(', ');
}

/** changeDetails lists what changed, one line each, for a tooltip (at most max lines). */
export function changeDetails(c: CrawlChanges | null | undefined, max = 20): string[] {
  if (!c) return [];
  const lines: string[] = [];
  for (const p of c.new_partitions ?? []) lines.push(`+ partition ${p}`);
  for (const p of c.removed_partitions ?? []) lines.push(`− partition ${p}`);
  for (const col of c.new_columns ?? []) lines.push(`+ column ${col.name} ${col.type}`);
  for (const col of c.changed_columns ?? []) lines.push(`~ column ${col.name}: ${col.old_type} → ${col.new_type}`);
  for (const col of c.removed_columns ?? []) lines.push(`− column ${col.name} ${col.type}`);
  for (const f of c.new_files ?? []) lines.push(`+ ${f}`);
  for (const f of c.changed_files ?? []) lines.push(`~ ${f}`);
  for (const f of c.removed_files ?? []) lines.push(`− ${f}`);
  if (typeof c.files_read === 'number') lines.push(`${plural(c.files_read, 'file')} read`);
  return lines.length > max ? [...lines.slice(0, max - 1), `… ${lines.length - max + 1} more`] : lines;
}

/** rowsText is "30 rows", "1 row", or "? rows" when the count is unknown (-1). */
export function rowsText(n: number): string {
  return typeof n === 'number' && n >= 0 ? plural(n, 'row') : '? rows';
}

/** tableFacts are the figures shown under a table's name: rows, partitions (when
 * partitioned), files and size. */
export function tableFacts(t: CatalogTable): string[] {
  const facts = [rowsText(t.rows)];
  if ((t.partitionKeys?.length ?? 0) > 0 || t.partitions > 0) facts.push(plural(t.partitions ?? 0, 'partition'));
  facts.push(plural(t.files ?? 0, 'file'), formatBytes(t.bytes ?? 0));
  return facts;
}

/** catalogColumns is the table's columns with partition keys marked; keys the server lists
 * only under partitionKeys come last, as they do in a query's result. */
export function catalogColumns(t: CatalogTable): (CatalogColumn & { partition: boolean })[] {
  const keys = new Set((t.partitionKeys ?? []).map((k) => k.name));
  const cols = (t.columns ?? []).map((c) => ({ ...c, partition: keys.has(c.name) }));
  const have = new Set(cols.map((c) => c.name));
  for (const k of t.partitionKeys ?? []) if (!have.has(k.name)) cols.push({ ...k, partition: true });
  return cols;
}

// Words a SQL identifier must be quoted to be (PostgreSQL's and DuckDB's reserved keywords).
const RESERVED = new Set(
  ('all analyse analyze and any array as asc asymmetric both case cast check collate column constraint create ' +
    'current_catalog current_date current_role current_time current_timestamp current_user default deferrable ' +
    'desc describe distinct do else end except false fetch for foreign from grant group having in initially ' +
    'intersect into lateral leading limit localtime localtimestamp not null offset on only or order pivot ' +
    'placing primary qualify references returning select session_user some summarize symmetric table then to ' +
    'trailing true union unique unpivot using variadic when where window with').split(' '),
);

/** sqlIdent is name as a SQL identifier: as is when plain, double-quoted otherwise. */
export function sqlIdent(name: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !RESERVED.has(name.toLowerCase())) return name;
  return `"${name.replace(/"/g, '""')}"`;
}

/** CatalogPanel is the panel the header's Catalog button opens. insert puts a table or column
 * name into the paragraph being edited. */
export class CatalogPanel extends SidePanel {
  private list: HTMLElement;
  private summary: HTMLElement;
  private expanded = new Set<string>();
  private crawlBtn: HTMLButtonElement;
  private loading = 0;

  constructor(private insert: (name: string) => void) {
    super();
    const location = h('input', {
      type: 'text',
      placeholder: 'Location: data/events or s3://bucket/prefix',
      testid: 'crawl-location',
      'aria-label': 'Location to crawl',
      required: true,
      maxlength: 2000,
    });
    const table = h('input', { type: 'text', placeholder: 'Table name (optional)', testid: 'crawl-table', 'aria-label': 'Table name', maxlength: 200 });
    this.crawlBtn = h('button', { type: 'submit', class: 'btn primary', testid: 'crawl', title: 'Read the files under the location and register or update its table' }, 'Crawl');
    const form = h('form', { class: 'crawl-form', testid: 'crawl-form', autocomplete: 'off' }, location, h('div', { class: 'crawl-row' }, table, this.crawlBtn));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const loc = location.value.trim();
      if (!loc) {
        location.focus();
        return;
      }
      void this.crawl(loc, table.value.trim()).then((ok) => {
        if (ok) {
          location.value = '';
          table.value = '';
        }
      });
    });
    this.summary = h('p', { class: 'crawl-summary', testid: 'crawl-summary', role: 'status', hidden: true });
    this.list = h('ul', { class: 'catalog-tables', testid: 'catalog-tables' });
    const refresh = h('button', { type: 'button', class: 'btn icon', testid: 'catalog-refresh', title: 'Refresh', 'aria-label': 'Refresh', onclick: () => void this.refresh() }, '⟳');
    const close = h('button', { type: 'button', class: 'btn icon', title: 'Close', 'aria-label': 'Close', onclick: () => this.hide() }, '✕');
    this.el = h(
      'aside',
      { class: 'side-panel catalog-panel', testid: 'catalog-panel', hidden: true },
      h('div', { class: 'panel-head' }, h('h2', {}, 'Catalog'), h('span', { class: 'spacer' }), refresh, close),
      form,
      this.summary,
      this.list,
    );
    document.body.appendChild(this.el);
  }

  async refresh(): Promise<void> {
    const n = ++this.loading;
    this.el.setAttribute('aria-busy', 'true');
    try {
      const { tables } = await catalogAPI.list();
      if (n !== this.loading) return;
      const sorted = [...(tables ?? [])].sort((a, b) => a.name.localeCompare(b.name));
      this.list.replaceChildren(
        ...(sorted.length === 0 ? [h('li', { class: 'empty' }, 'No tables yet. Crawl a folder of Parquet, CSV or JSON files above.')] : sorted.map((t) => this.item(t))),
      );
    } catch (err) {
      if (n !== this.loading) return;
      this.list.replaceChildren(h('li', { class: 'empty' }, `The catalog is not available: ${message(err)}`));
      toast(`Could not list the catalog: ${message(err)}`);
    } finally {
      if (n === this.loading) this.el.removeAttribute('aria-busy');
    }
  }

  /** crawl crawls location (into table when named), shows what changed and refreshes. */
  private async crawl(location: string, table: string): Promise<boolean> {
    this.crawlBtn.disabled = true;
    this.crawlBtn.textContent = 'Crawling…';
    try {
      const res = await catalogAPI.crawl(location, table || undefined);
      const name = res.table?.name || table || location;
      this.summary.replaceChildren(h('strong', {}, name), `: ${changeSummary(res.changes)}`);
      this.summary.title = changeDetails(res.changes).join('\n');
      this.summary.hidden = false;
      this.expanded.add(name);
      await this.refresh();
      return true;
    } catch (err) {
      toast(`Crawl failed: ${message(err)}`);
      return false;
    } finally {
      this.crawlBtn.disabled = false;
      this.crawlBtn.textContent = 'Crawl';
    }
  }

  private async drop(t: CatalogTable): Promise<void> {
    if (!confirm(`Drop the table “${t.name}” from the catalog? Queries that name it stop working until its location is crawled again.`)) return;
    try {
      await catalogAPI.remove(t.name);
      this.expanded.delete(t.name);
      toast(`Dropped ${t.name}`, 'info');
      await this.refresh();
    } catch (err) {
      toast(`Drop failed: ${message(err)}`);
    }
  }

  private item(t: CatalogTable): HTMLElement {
    const open = this.expanded.has(t.name);
    const toggle = h('button', { type: 'button', class: 'ct-toggle', testid: 'table-toggle', 'aria-expanded': String(open), title: open ? 'Hide the columns' : 'Show the columns' }, open ? '▾' : '▸');
    const name = h('button', { type: 'button', class: 'ct-name', testid: 'table-name', title: 'Insert at the cursor', onclick: () => this.insert(t.name) }, t.name);
    const recrawl = h(
      'button',
      { type: 'button', class: 'btn icon small', testid: 'table-crawl', title: `Crawl ${t.location} again`, 'aria-label': 'Crawl again', onclick: () => void this.crawl(t.location, t.name) },
      '⟳',
    );
    const drop = h('button', { type: 'button', class: 'btn icon small danger', testid: 'drop-table', title: 'Drop from the catalog', 'aria-label': 'Drop', onclick: () => void this.drop(t) }, '✕');
    const detail = this.detail(t);
    detail.hidden = !open;
    const li = h(
      'li',
      { class: 'catalog-table', testid: 'catalog-table', 'data-name': t.name },
      h('div', { class: 'ct-head' }, toggle, name, h('span', { class: 'ct-format', testid: 'table-format' }, t.format), h('span', { class: 'spacer' }), recrawl, drop),
      h('div', { class: 'ct-meta', testid: 'table-meta' }, tableFacts(t).join(' · ')),
      detail,
    );
    toggle.addEventListener('click', () => {
      const now = detail.hidden;
      detail.hidden = !now;
      if (now) this.expanded.add(t.name);
      else this.expanded.delete(t.name);
      toggle.textContent = now ? '▾' : '▸';
      toggle.setAttribute('aria-expanded', String(now));
      toggle.title = now ? 'Hide the columns' : 'Show the columns';
    });
    return li;
  }

  private detail(t: CatalogTable): HTMLElement {
    const when = new Date(t.crawledAt);
    const cols = catalogColumns(t);
    const keys = t.partitionKeys ?? [];
    return h(
      'div',
      { class: 'ct-detail', testid: 'table-detail' },
      h('ul', { class: 'ct-columns' },
        ...(cols.length === 0
          ? [h('li', { class: 'empty' }, 'No columns.')]
          : cols.map((c) =>
              h('li', { class: 'ct-column', testid: 'column', 'data-name': c.name, 'data-partition': c.partition ? 'true' : null },
                h('button', { type: 'button', class: 'ct-col-name', testid: 'column-name', title: 'Insert at the cursor', onclick: () => this.insert(c.name) }, c.name),
                h('span', { class: 'ct-col-type' }, c.type),
                c.partition ? h('span', { class: 'ct-badge', title: 'Partition key: a filter on it skips whole folders' }, 'partition key') : null,
              ),
            )),
      ),
      h('div', { class: 'ct-info' },
        keys.length > 0 ? h('div', { testid: 'table-partitions' }, `${plural(t.partitions ?? 0, 'partition')} by ${keys.map((k) => k.name).join(', ')}`) : null,
        h('div', { class: 'ct-location', title: t.location }, t.location),
        h('div', {}, `${formatCount(t.files ?? 0)} ${t.files === 1 ? 'file' : 'files'}, crawled ${isNaN(when.getTime()) ? t.crawledAt || '?' : when.toLocaleString()}`),
      ),
    );
  }
}

function message(err: unknown): string {
  return err instanceof ApiError ? err.message : String(err);
}
