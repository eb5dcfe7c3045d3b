// A table output: its toolbar (table or chart, the row count and active filters, column stats,
// download), the virtualized grid, and, for the paragraph's latest table result, the chart.
// settings.view ("table" or "chart") and settings.chart say which is shown; switching never
// runs the query again.

import { decodeRows } from './arrow';
import { parseChart, chartJSON } from './chart';
import { ChartView } from './chartview';
import { h } from './dom';
import { ResultGrid } from './grid';
import type { ChartSpec, ColumnSummary, Output, PivotResult, Requests, RowsRequest } from './types';

export interface ResultContext {
  rows(req: RowsRequest): Promise<Requests['rows']['ack']>;
  summary(resultId: string): Promise<ColumnSummary[]>;
  pivot(resultId: string, chart: ChartSpec): Promise<PivotResult>;
  /** settings are the paragraph's settings as this page holds them. */
  settings(): Record<string, string>;
  /** setSettings changes some settings (undefined removes one) and saves them. */
  setSettings(changes: Record<string, string | undefined>): void;
  /** downloadURL is where the paragraph's latest table result downloads in format. */
  downloadURL(format: string): string;
  /** chartable: the paragraph's results can be charted (SQL, Go's nb.Show). */
  chartable(): boolean;
  /** share opens the share dialog for the paragraph's latest result, next to anchor. */
  share(anchor: HTMLElement): void;
  toast(message: string): void;
}

export const DOWNLOADS: { format: string; label: string }[] = [
  { format: 'csv', label: 'CSV' },
  { format: 'parquet', label: 'Parquet' },
  { format: 'jsonl', label: 'JSON lines' },
];

/** viewOf is the view settings ask for: "chart" or "table". */
export function viewOf(settings: Record<string, string>): 'table' | 'chart' {
  return settings['view'] === 'chart' ? 'chart' : 'table';
}

export class ResultView {
  readonly el: HTMLElement;
  private readonly grid: ResultGrid;
  private chart: ChartView | null = null;
  private readonly toggle: HTMLElement;
  private readonly download: HTMLElement;
  private readonly hideDownloads: () => void;
  private readonly share: HTMLElement;
  private readonly tableBtn: HTMLButtonElement;
  private readonly chartBtn: HTMLButtonElement;
  private view: 'table' | 'chart' = 'table';
  private primary = false;

  constructor(
    private readonly o: Output,
    private readonly ctx: ResultContext,
    primary: boolean,
  ) {
    const rid = o.resultId;
    this.grid = new ResultGrid({
      columns: o.columns ?? [],
      total: typeof o.rowCount === 'number' ? o.rowCount : (o.rows?.length ?? 0),
      first: o.rows ?? [],
      source: rid
        ? {
            rows: async (req) => {
              const ack = await ctx.rows({ resultId: rid, offset: req.offset, limit: req.limit, ...(req.sort.length ? { sort: req.sort } : {}), ...(req.filter.length ? { filter: req.filter } : {}) });
              return { matched: ack.matched, page: decodeRows(ack.arrow ?? new Uint8Array()) };
            },
            summary: () => ctx.summary(rid),
          }
        : null,
      toast: (m) => ctx.toast(m),
    });

    this.tableBtn = h('button', { type: 'button', class: 'seg', testid: 'view-table', 'aria-pressed': 'true' }, 'Table');
    this.chartBtn = h('button', { type: 'button', class: 'seg', testid: 'view-chart', 'aria-pressed': 'false' }, 'Chart');
    this.tableBtn.addEventListener('click', () => this.choose('table'));
    this.chartBtn.addEventListener('click', () => this.choose('chart'));
    this.toggle = h('span', { class: 'segmented', role: 'group', 'aria-label': 'Show as' }, this.tableBtn, this.chartBtn);

    const menu = h(
      'div',
      { class: 'menu', testid: 'download-menu', hidden: true, role: 'menu' },
      ...DOWNLOADS.map((d) => h('a', { class: 'menu-item', role: 'menuitem', testid: `download-${d.format}`, href: ctx.downloadURL(d.format), download: '' }, d.label)),
    );
    const btn = h('button', { type: 'button', class: 'btn small', testid: 'download', 'aria-haspopup': 'menu', title: 'Download the whole result' }, 'Download ▾');
    const close = (e: MouseEvent) => {
      if (!this.download.contains(e.target as Node)) hide();
    };
    const hide = () => {
      menu.hidden = true;
      document.removeEventListener('mousedown', close);
    };
    this.hideDownloads = hide;
    btn.addEventListener('click', () => {
      if (!menu.hidden) return hide();
      menu.hidden = false;
      document.addEventListener('mousedown', close);
    });
    menu.addEventListener('click', () => hide());
    this.download = h('span', { class: 'menu-wrap' }, btn, menu);

    // Share: a link to this chart (or table) for people without an account.
    const shareBtn = h('button', { type: 'button', class: 'btn small', testid: 'share', title: 'Make a link to this chart that anyone can open' }, 'Share');
    shareBtn.addEventListener('click', () => ctx.share(shareBtn));
    this.share = h('span', { class: 'menu-wrap' }, shareBtn);
    const bar = h('div', { class: 'result-bar' }, this.toggle, this.grid.info, h('span', { class: 'spacer' }), this.grid.statsButton, this.share, this.download);
    this.el = h('div', { class: 'out out-table', testid: 'output', 'data-type': 'table', 'data-view': 'table' }, bar, this.grid.el);
    this.setPrimary(primary);
  }

  /** setPrimary: the paragraph's latest table result has the chart and the download. */
  setPrimary(primary: boolean): void {
    this.primary = primary && !!this.o.resultId;
    this.toggle.hidden = !(this.primary && this.ctx.chartable());
    this.download.hidden = !this.primary;
    this.share.hidden = !this.primary;
    this.applySettings(this.ctx.settings());
  }

  /** applySettings shows the view and chart the settings ask for. */
  applySettings(settings: Record<string, string>): void {
    // The paragraph's own view wins over a chart its code asked for (nb.Chart).
    const asked = settings['view'] === undefined ? this.askedChart() : null;
    const view = this.primary && this.ctx.chartable() ? (asked ? 'chart' : viewOf(settings)) : 'table';
    if (view === 'chart') {
      const spec = asked ?? parseChart(settings['chart']);
      if (this.chart) this.chart.setSpec(spec);
      else this.chart = this.newChart(spec);
    }
    this.show(view);
  }

  /** askedChart is the chart the code asked for, read as a saved one is (with its defaults). */
  private askedChart(): ChartSpec | null {
    return this.o.chart ? parseChart(JSON.stringify(this.o.chart)) : null;
  }

  private newChart(spec: ChartSpec | null): ChartView {
    const rid = this.o.resultId ?? '';
    const c = new ChartView(this.o.columns ?? [], spec, {
      pivot: (s) => this.ctx.pivot(rid, s),
      save: (s) => this.ctx.setSettings({ view: 'chart', chart: chartJSON(s) }),
    });
    this.el.appendChild(c.el);
    return c;
  }

  private show(view: 'table' | 'chart'): void {
    this.view = view;
    this.el.dataset['view'] = view;
    this.tableBtn.setAttribute('aria-pressed', String(view === 'table'));
    this.chartBtn.setAttribute('aria-pressed', String(view === 'chart'));
    this.grid.el.hidden = view !== 'table';
    this.grid.statsButton.hidden = view !== 'table' || !this.o.resultId;
    if (view === 'chart') this.chart?.show();
    else this.chart?.hide();
  }

  /** choose switches the view here and saves it (with the chart's defaults on first use). */
  private choose(view: 'table' | 'chart'): void {
    if (view === this.view) return;
    if (view === 'chart') {
      const settings = this.ctx.settings();
      this.chart ??= this.newChart(parseChart(settings['chart']) ?? this.askedChart());
      this.show('chart');
      this.ctx.setSettings({ view: 'chart', chart: chartJSON(this.chart.current) });
    } else {
      this.show('table');
      this.ctx.setSettings({ view: 'table' });
    }
  }

  destroy(): void {
    this.hideDownloads(); // an open menu's listener on the document would keep this view alive
    this.grid.destroy();
    this.chart?.destroy();
  }
}
