// A result as a chart: the settings bar (type; keys, groups, values and their aggregation,
// picked from the result's columns; stacked; bins) and the ECharts canvas drawing the pivot the
// server computes over the whole result. Changing a setting saves it and asks for a new pivot;
// the query is never run again for a chart.

import { adaptChart, AGGS, CHART_TYPES, chartJSON, chartProblem, ROLES } from './chart';
import { h, setText } from './dom';
import { ChartCanvas, type ChartElement } from './echart';
import type { Agg, ChartSpec, ChartType, Column, PivotResult } from './types';

export interface ChartHost {
  /** pivot asks the server for the chart's points. */
  pivot(spec: ChartSpec): Promise<PivotResult>;
  /** save keeps the chart in the paragraph's settings. */
  save(spec: ChartSpec): void;
}

export class ChartView {
  readonly el: HTMLElement;
  private readonly bar: HTMLElement;
  private readonly box: ChartElement;
  private readonly noteEl: HTMLElement;
  private readonly canvas: ChartCanvas;
  private spec: ChartSpec;
  private visible = false;
  private drawn = '';
  private seq = 0;
  private pivots = new Map<string, Promise<PivotResult>>();

  constructor(
    private readonly columns: Column[],
    spec: ChartSpec | null,
    private readonly host: ChartHost,
  ) {
    this.spec = adaptChart(spec, spec?.type ?? 'bar', columns);
    this.bar = h('div', { class: 'chart-bar', testid: 'chart-settings' });
    this.box = h('div', { class: 'chart-box', testid: 'chart', 'data-state': 'idle' });
    this.noteEl = h('div', { class: 'chart-note', testid: 'chart-note', hidden: true });
    this.el = h('div', { class: 'chart-view', hidden: true }, this.bar, this.noteEl, this.box);
    this.buildBar();
    this.canvas = new ChartCanvas(this.box, () => {
      if (!this.visible) return;
      if (!this.canvas.created) this.draw();
      else this.canvas.resize();
    });
  }

  /** The chart being shown (adapted to the result's columns). */
  get current(): ChartSpec {
    return this.spec;
  }

  show(): void {
    this.visible = true;
    this.el.hidden = false;
    this.draw();
  }

  hide(): void {
    this.visible = false;
    this.el.hidden = true;
  }

  /** setSpec takes a chart from the settings (another client's, or the saved one). */
  setSpec(spec: ChartSpec | null): void {
    const next = adaptChart(spec, spec?.type ?? this.spec.type, this.columns);
    if (chartJSON(next) === chartJSON(this.spec)) return;
    this.spec = next;
    this.buildBar();
    if (this.visible) this.draw();
  }

  /** change applies a change made here: adapt, show, save, draw. */
  private change(spec: ChartSpec, type: ChartType = spec.type): void {
    this.spec = adaptChart(spec, type, this.columns);
    this.buildBar();
    this.host.save(this.spec);
    this.draw();
  }

  private pivot(spec: ChartSpec): Promise<PivotResult> {
    const key = chartJSON(spec);
    let p = this.pivots.get(key);
    if (!p) {
      p = this.host.pivot(spec);
      this.pivots.set(key, p);
      p.catch(() => this.pivots.delete(key));
    }
    return p;
  }

  /** draw asks for the pivot of the current chart (once per chart) and draws it. */
  private draw(): void {
    if (!this.visible) return;
    this.canvas.ready();
    const spec = this.spec;
    const key = chartJSON(spec);
    if (this.drawn === key && this.box.dataset['state'] === 'ready') return;
    const problem = chartProblem(spec);
    if (problem) {
      this.setNote(problem);
      this.canvas.clear();
      this.box.dataset['state'] = 'empty';
      this.drawn = key;
      return;
    }
    const n = ++this.seq;
    this.box.dataset['state'] = 'loading';
    this.canvas.loading();
    this.pivot(spec).then(
      (pivot) => {
        if (n !== this.seq) return;
        this.setNote(this.canvas.draw(spec, pivot));
        if (!this.canvas.created) return; // not laid out yet: the resize observer draws it
        this.drawn = key;
        this.box.dataset['state'] = 'ready';
      },
      (err: unknown) => {
        if (n !== this.seq) return;
        this.canvas.clear();
        this.box.dataset['state'] = 'error';
        this.setNote(`Could not chart the result: ${err instanceof Error ? err.message : String(err)}`, true);
      },
    );
  }

  private setNote(text: string, error = false): void {
    setText(this.noteEl, text);
    this.noteEl.hidden = text === '';
    this.noteEl.classList.toggle('error', error);
  }

  /** buildBar shows the settings of the current chart. */
  private buildBar(): void {
    const spec = this.spec;
    const roles = ROLES[spec.type];
    const type = h('select', { class: 'chart-type', testid: 'chart-type', 'aria-label': 'Chart type' }, ...CHART_TYPES.map((t) => h('option', { value: t.type }, t.label)));
    type.value = spec.type;
    type.addEventListener('change', () => this.change(spec, type.value as ChartType));
    const parts: (HTMLElement | null)[] = [field('Chart', type)];

    if (spec.type === 'histogram') {
      const col = this.columnSelect(spec.keys[0] ?? '', 'chart-column', false);
      col.addEventListener('change', () => this.change({ ...spec, keys: [col.value], values: [{ column: col.value, agg: 'count' }] }));
      const bins = h('input', { type: 'number', class: 'chart-bins', testid: 'chart-bins', min: 2, max: 200, step: 1, 'aria-label': 'Bins' });
      bins.value = String(spec.bins ?? 30);
      bins.addEventListener('change', () => {
        const b = Math.round(Number(bins.value));
        if (Number.isFinite(b) && b >= 2 && b <= 200) this.change({ ...spec, bins: b });
      });
      parts.push(field('Column', col), field('Bins', bins));
    } else {
      if (roles.keys) parts.push(this.listField(roles.keys, 'keys', spec.keys, roles.maxKeys, (keys) => this.change({ ...spec, keys })));
      if (roles.groups) parts.push(this.listField(roles.groups, 'groups', spec.groups, roles.maxGroups, (groups) => this.change({ ...spec, groups })));
      if (roles.values) parts.push(this.valuesField(roles.values, spec, roles.maxValues, roles.agg));
      if (spec.type === 'bar' || spec.type === 'area') {
        const box = h('input', { type: 'checkbox', testid: 'chart-stacked' });
        box.checked = !!spec.stacked;
        box.addEventListener('change', () => this.change({ ...spec, stacked: box.checked }));
        parts.push(h('label', { class: 'chart-field chart-check' }, box, 'stacked'));
      }
    }
    this.bar.replaceChildren(...parts.filter((p): p is HTMLElement => p !== null));
  }

  private columnSelect(value: string, testid: string, empty: boolean, exclude: string[] = []): HTMLSelectElement {
    const opts = this.columns.filter((c) => c.name === value || !exclude.includes(c.name));
    const sel = h(
      'select',
      { class: 'chart-col', testid, 'aria-label': testid },
      empty ? h('option', { value: '' }, '+ add') : null,
      ...opts.map((c) => h('option', { value: c.name, title: c.type }, c.name)),
    );
    sel.value = value;
    return sel;
  }

  /** listField is a role holding columns (keys, groups): chips and a select that adds one. */
  private listField(label: string, role: string, names: string[], max: number, set: (names: string[]) => void): HTMLElement {
    const chips = names.map((n) =>
      h(
        'span',
        { class: 'chip', testid: `chart-${role}-chip`, 'data-column': n },
        n,
        h('button', { type: 'button', class: 'chip-x', title: `Remove ${n}`, 'aria-label': `Remove ${n}`, onclick: () => set(names.filter((x) => x !== n)) }, '✕'),
      ),
    );
    let add: HTMLSelectElement | null = null;
    if (names.length < max) {
      const sel = this.columnSelect('', `chart-${role}-add`, true, names);
      sel.addEventListener('change', () => {
        if (sel.value) set([...names, sel.value]);
      });
      add = sel;
    }
    return h('div', { class: 'chart-field', testid: `chart-${role}` }, h('span', { class: 'chart-label' }, label), ...chips, add);
  }

  private valuesField(label: string, spec: ChartSpec, max: number, withAgg: boolean): HTMLElement {
    const set = (values: ChartSpec['values']) => this.change({ ...spec, values });
    const items = spec.values.map((v, i) => {
      const col = this.columnSelect(v.column, 'chart-value-column', false);
      col.addEventListener('change', () => set(spec.values.map((x, j) => (j === i ? { ...x, column: col.value } : x))));
      const agg = h('select', { class: 'chart-agg', testid: 'chart-value-agg', 'aria-label': 'Aggregation' }, ...AGGS.map((a) => h('option', { value: a.agg }, a.label)));
      agg.value = v.agg;
      agg.addEventListener('change', () => set(spec.values.map((x, j) => (j === i ? { ...x, agg: agg.value as Agg } : x))));
      const rm =
        spec.values.length > 1
          ? h('button', { type: 'button', class: 'chip-x', title: 'Remove this value', 'aria-label': 'Remove this value', onclick: () => set(spec.values.filter((_x, j) => j !== i)) }, '✕')
          : null;
      return h('span', { class: 'chart-value', testid: 'chart-value' }, withAgg ? agg : null, withAgg ? '(' : null, col, withAgg ? ')' : null, rm);
    });
    let add: HTMLSelectElement | null = null;
    if (spec.values.length < max) {
      const sel = this.columnSelect('', 'chart-values-add', true);
      sel.addEventListener('change', () => {
        if (sel.value) set([...spec.values, { column: sel.value, agg: spec.values[0]?.agg ?? 'sum' }]);
      });
      add = sel;
    }
    return h('div', { class: 'chart-field', testid: 'chart-values' }, h('span', { class: 'chart-label' }, label), ...items, add);
  }

  destroy(): void {
    this.seq++;
    this.canvas.destroy();
  }
}

function field(label: string, input: HTMLElement): HTMLElement {
  return h('label', { class: 'chart-field' }, h('span', { class: 'chart-label' }, label), input);
}
