// Charts of a result, the pure part: the chart settings (settings.chart, compact JSON), their
// defaults for a result's columns, and the ECharts option that draws a pivot (the server's
// aggregation of the whole result) as bars, lines, areas, a pie, a scatter, a histogram, a
// heatmap or a time series.

import { formatFloat, formatJSON, isNumeric, isTemporal, sqlFormat, type ValueFormat } from './arrow';
import { formatCount, plural } from './stats';
import type { Agg, ChartSpec, ChartType, Column, PivotResult } from './types';

export const CHART_TYPES: { type: ChartType; label: string }[] = [
  { type: 'bar', label: 'Bar' },
  { type: 'line', label: 'Line' },
  { type: 'area', label: 'Area' },
  { type: 'pie', label: 'Pie' },
  { type: 'scatter', label: 'Scatter' },
  { type: 'histogram', label: 'Histogram' },
  { type: 'heatmap', label: 'Heatmap' },
  { type: 'timeseries', label: 'Time series' },
];

export const AGGS: { agg: Agg; label: string }[] = [
  { agg: 'sum', label: 'sum' },
  { agg: 'avg', label: 'avg' },
  { agg: 'count', label: 'count' },
  { agg: 'count_distinct', label: 'count distinct' },
  { agg: 'min', label: 'min' },
  { agg: 'max', label: 'max' },
  { agg: 'median', label: 'median' },
];

export const DEFAULT_BINS = 30;

/** What each chart type calls its keys, groups and values (null: the type has none). */
export const ROLES: Record<ChartType, { keys: string | null; maxKeys: number; groups: string | null; maxGroups: number; values: string | null; maxValues: number; agg: boolean }> = {
  bar: { keys: 'X axis', maxKeys: 3, groups: 'Group by', maxGroups: 2, values: 'Values', maxValues: 6, agg: true },
  line: { keys: 'X axis', maxKeys: 3, groups: 'Group by', maxGroups: 2, values: 'Values', maxValues: 6, agg: true },
  area: { keys: 'X axis', maxKeys: 3, groups: 'Group by', maxGroups: 2, values: 'Values', maxValues: 6, agg: true },
  pie: { keys: 'Slices', maxKeys: 2, groups: null, maxGroups: 0, values: 'Size', maxValues: 1, agg: true },
  scatter: { keys: 'X', maxKeys: 1, groups: 'Color by', maxGroups: 1, values: 'Y', maxValues: 1, agg: false },
  histogram: { keys: 'Column', maxKeys: 1, groups: null, maxGroups: 0, values: null, maxValues: 0, agg: false },
  heatmap: { keys: 'X', maxKeys: 1, groups: 'Y', maxGroups: 1, values: 'Color', maxValues: 1, agg: true },
  timeseries: { keys: 'Time', maxKeys: 1, groups: 'Group by', maxGroups: 2, values: 'Values', maxValues: 6, agg: true },
};

const isType = (t: unknown): t is ChartType => CHART_TYPES.some((c) => c.type === t);
const isAgg = (a: unknown): a is Agg => AGGS.some((x) => x.agg === a);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** parseChart reads settings.chart; null when absent or unreadable. Values may name their
 * column `column` or (as Zeppelin imports do) `col`. */
export function parseChart(raw: string | undefined | null): ChartSpec | null {
  if (!raw) return null;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!v || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  if (!isType(o['type'])) return null;
  const values = (Array.isArray(o['values']) ? o['values'] : [])
    .map((x: unknown) => {
      const e = (x ?? {}) as Record<string, unknown>;
      const column = typeof e['column'] === 'string' ? e['column'] : typeof e['col'] === 'string' ? e['col'] : '';
      return { column, agg: isAgg(e['agg']) ? e['agg'] : 'sum' };
    })
    .filter((x) => x.column !== '');
  const spec: ChartSpec = { type: o['type'], keys: strings(o['keys']), groups: strings(o['groups']), values };
  if (o['stacked'] === true) spec.stacked = true;
  if (typeof o['bins'] === 'number' && o['bins'] > 0) spec.bins = Math.round(o['bins']);
  return spec;
}

/** chartJSON is the compact JSON saved in settings.chart (stable field order). */
export function chartJSON(c: ChartSpec): string {
  const out: Record<string, unknown> = { type: c.type, keys: c.keys, groups: c.groups, values: c.values.map((v) => ({ column: v.column, agg: v.agg })) };
  if (c.stacked) out['stacked'] = true;
  if (c.bins) out['bins'] = c.bins;
  return JSON.stringify(out);
}

type Kinded = Column & { f: ValueFormat };
const kinded = (cols: Column[]): Kinded[] => cols.map((c) => ({ ...c, f: sqlFormat(c.type) }));
const isText = (c: Kinded) => c.f.kind === 'string' || c.f.kind === 'bool' || c.f.kind === 'uuid';

/** adaptChart fits spec to type and to the result's columns: names the result lacks are
 * dropped, and what the type needs is filled with sensible picks (the first text column as
 * the key, the first numeric column summed as the value; a time column for a time series).
 * Picks are made only for a new chart, a change of type, or a spec that named columns the
 * result lacks: a column the person removed stays removed (the chart then says what to pick),
 * or removing the only key would put it straight back. */
export function adaptChart(spec: ChartSpec | null, type: ChartType, columns: Column[]): ChartSpec {
  const cols = kinded(columns);
  const has = (n: string) => cols.some((c) => c.name === n);
  const col = (n: string | undefined) => cols.find((c) => c.name === n);
  const keys = (spec?.keys ?? []).filter(has);
  const groups = (spec?.groups ?? []).filter(has);
  const values = (spec?.values ?? []).filter((v) => has(v.column));
  const lost = !!spec && (keys.length < spec.keys.length || groups.length < spec.groups.length || values.length < spec.values.length);
  const fill = !spec || spec.type !== type || lost;
  const roles = ROLES[type];
  const firstText = cols.find(isText);
  const firstTime = cols.find((c) => isTemporal(c.f));
  const numerics = cols.filter((c) => isNumeric(c.f));
  const pick = (...cands: (Kinded | undefined)[]) => cands.find((c) => c !== undefined)?.name;
  const out: ChartSpec = { type, keys: [], groups: [], values: [] };

  switch (type) {
    case 'histogram': {
      const k = [keys[0], values[0]?.column].map(col).find((c) => c && isNumeric(c.f)) ?? numerics[0] ?? col(keys[0]) ?? cols[0];
      if (k) {
        out.keys = [k.name];
        out.values = [{ column: k.name, agg: 'count' }];
      }
      out.bins = spec?.bins ?? DEFAULT_BINS;
      return out;
    }
    case 'scatter': {
      const y = col(values[0]?.column) && isNumeric(col(values[0]?.column)!.f) ? col(values[0]?.column) : undefined;
      const xs = [col(keys[0])].filter((c) => c && (isNumeric(c.f) || isTemporal(c.f)) && c.name !== y?.name);
      const x = xs[0] ?? (fill ? (numerics.find((c) => c.name !== y?.name) ?? firstTime) : undefined);
      const yy = y ?? (fill ? numerics.find((c) => c.name !== x?.name) : undefined);
      if (x) out.keys = [x.name];
      if (yy) out.values = [{ column: yy.name, agg: values[0]?.agg ?? 'sum' }];
      const g = groups.map(col).find((c) => c && isText(c));
      if (g) out.groups = [g.name];
      return out;
    }
    case 'timeseries': {
      const t = [keys[0]].map(col).find((c) => c && isTemporal(c.f)) ?? (fill ? (firstTime ?? col(keys[0])) : col(keys[0]));
      if (t) out.keys = [t.name];
      out.groups = groups.filter((g) => g !== t?.name).slice(0, roles.maxGroups);
      break;
    }
    case 'heatmap': {
      const x = fill ? pick(col(keys[0]), firstText, firstTime, cols[0]) : keys[0];
      if (x) out.keys = [x];
      const y = fill ? pick(col(groups[0]), col(keys[1]), cols.find((c) => (isText(c) || isTemporal(c.f)) && c.name !== x)) : (groups[0] ?? keys[1]);
      if (y && y !== x) out.groups = [y];
      break;
    }
    default: {
      out.keys = keys.slice(0, roles.maxKeys);
      if (out.keys.length === 0 && fill) {
        const k = pick(firstText, firstTime, cols.find((c) => !isNumeric(c.f)), cols[0]);
        if (k) out.keys = [k];
      }
      out.groups = groups.filter((g) => !out.keys.includes(g)).slice(0, roles.maxGroups);
    }
  }
  out.values = values.slice(0, roles.maxValues);
  if (out.values.length === 0 && fill) {
    const v = numerics.find((c) => !out.keys.includes(c.name) && !out.groups.includes(c.name));
    out.values = v ? [{ column: v.name, agg: 'sum' }] : out.keys[0] ? [{ column: out.keys[0], agg: 'count' }] : [];
  }
  if ((type === 'bar' || type === 'area') && spec?.stacked) out.stacked = true;
  return out;
}

/** chartProblem says what a spec lacks to be drawn, or null when it is complete. */
export function chartProblem(c: ChartSpec): string | null {
  const r = ROLES[c.type];
  if (c.type === 'histogram') return c.keys.length === 0 && c.values.length === 0 ? 'Pick a column to bin' : null;
  if (r.keys && c.keys.length === 0) return `Pick a column for “${r.keys}”`;
  if (c.type === 'heatmap' && c.groups.length === 0) return 'Pick a column for “Y”';
  if (r.values && c.values.length === 0) return `Pick a column for “${r.values}”`;
  return null;
}

const num = (v: unknown): number | null => {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  if (typeof v === 'boolean') return v ? 1 : 0;
  return null;
};

/** shortNumber is a number for an axis label: 4 significant digits, no binary noise. */
export function shortNumber(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return formatFloat(Number(v.toPrecision(4)));
}

/** timeOf is a pivot's temporal value as epoch milliseconds (null when it is not one). */
export function timeOf(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return null;
  const iso = /^\d{4}-\d\d-\d\d$/.test(v) ? `${v}T00:00:00Z` : /[zZ]|[+-]\d\d(:?\d\d)?$/.test(v) ? v : v.replace(' ', 'T') + 'Z';
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

export type Option = Record<string, unknown>;

export interface ChartPicture {
  option: Option;
  /** A note under the chart: sampling, truncation, nothing to show. */
  note: string;
}

const MAX_PIE_SLICES = 20;

/** chartOption is the ECharts option drawing pivot as spec says. */
export function chartOption(spec: ChartSpec, pivot: PivotResult): ChartPicture {
  const cols = pivot.columns ?? [];
  const rows = pivot.rows ?? [];
  const fmts = cols.map((c) => sqlFormat(c.type));
  const label = (v: unknown, i: number) => {
    const f = fmts[i];
    if (typeof v === 'number' && f && isNumeric(f)) return shortNumber(v);
    return f ? (formatJSON(v, f) ?? 'NULL') : String(v);
  };
  const notes: string[] = [];
  if (pivot.sampled && pivot.sampled < pivot.total) notes.push(`sampled ${formatCount(pivot.sampled)} of ${formatCount(pivot.total)} points`);
  if (pivot.truncated) notes.push(`showing the first ${plural(rows.length, 'point')}: narrow the keys to see all`);
  if (rows.length === 0) notes.push('nothing to chart: the result has no rows');
  const note = notes.join(' · ');
  const base: Option = {
    animation: rows.length < 2000,
    animationDuration: 400,
    useUTC: true,
    textStyle: { fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif' },
    tooltip: {},
  };

  switch (spec.type) {
    case 'pie':
      return { option: { ...base, ...pieOption(spec, cols, rows, label) }, note };
    case 'scatter':
      return { option: { ...base, ...scatterOption(spec, cols, rows, fmts, label) }, note };
    case 'histogram':
      return { option: { ...base, ...histogramOption(spec, cols, rows, label) }, note };
    case 'heatmap':
      return { option: { ...base, ...heatmapOption(spec, cols, rows, label) }, note };
    default:
      return { option: { ...base, ...cartesianOption(spec, cols, rows, label) }, note };
  }
}

interface Series {
  name: string;
  points: Map<number, number | null>;
  timed: [number, number | null][];
}

type Label = (v: unknown, i: number) => string;

/** seriesOf splits pivot rows (keys, groups, values) into categories and one series per group
 * and value. */
function seriesOf(spec: ChartSpec, cols: Column[], rows: unknown[][], label: Label, timed: boolean) {
  const K = Math.min(spec.keys.length, cols.length);
  const G = Math.min(spec.groups.length, Math.max(0, cols.length - K - 1));
  const V = Math.max(0, cols.length - K - G);
  const vnames = cols.slice(K + G).map((c) => c.name);
  const cats = new Map<string, number>();
  const series = new Map<string, Series>();
  for (const r of rows) {
    const cat = r.slice(0, K).map((v, i) => label(v, i)).join(' · ');
    let ci = cats.get(cat);
    if (ci === undefined) cats.set(cat, (ci = cats.size));
    const grp = r.slice(K, K + G).map((v, i) => label(v, K + i)).join(' · ');
    const t = timed ? timeOf(r[0]) : null;
    for (let v = 0; v < V; v++) {
      const name = G > 0 ? (V > 1 ? `${grp} · ${vnames[v]}` : grp) : vnames[v]!;
      let s = series.get(name);
      if (!s) series.set(name, (s = { name, points: new Map(), timed: [] }));
      const val = num(r[K + G + v]);
      s.points.set(ci, val);
      if (t !== null) s.timed.push([t, val]);
    }
  }
  return { K, G, V, vnames, cats: [...cats.keys()], series: [...series.values()] };
}

function cartesianOption(spec: ChartSpec, cols: Column[], rows: unknown[][], label: Label): Option {
  const timed = spec.type === 'timeseries';
  const { vnames, cats, series } = seriesOf(spec, cols, rows, label, timed);
  const kind = spec.type === 'bar' ? 'bar' : 'line';
  const stacked = spec.stacked && (spec.type === 'bar' || spec.type === 'area');
  const many = series.length > 1;
  const zoom = timed || cats.length > 40;
  const win = timed ? {} : { startValue: 0, endValue: 39 };
  const out = series.map((s) => ({
    name: s.name,
    type: kind,
    data: timed ? s.timed : cats.map((_c, i) => s.points.get(i) ?? null),
    ...(stacked ? { stack: 'total' } : {}),
    ...(spec.type === 'area' ? { areaStyle: { opacity: stacked ? 0.85 : 0.3 } } : {}),
    ...(kind === 'line' ? { showSymbol: (timed ? s.timed.length : cats.length) <= 60, connectNulls: timed } : {}),
    ...(kind === 'bar' && !many ? { barMaxWidth: 48 } : {}),
    emphasis: { focus: 'series' },
  }));
  const xName = spec.keys.join(' · ');
  return {
    tooltip: { trigger: 'axis', confine: true, ...(kind === 'bar' ? { axisPointer: { type: 'shadow' } } : {}) },
    legend: many ? { type: 'scroll', top: 0 } : { show: false },
    grid: { left: 16, right: 32, top: many ? 40 : 28, bottom: zoom ? 64 : 20, containLabel: true },
    xAxis: timed
      ? { type: 'time', name: xName, nameLocation: 'middle', nameGap: 28 }
      : {
          type: 'category',
          data: cats,
          name: xName,
          nameLocation: 'middle',
          nameGap: cats.length > 12 ? 52 : 28,
          axisLabel: { hideOverlap: true, rotate: cats.length > 12 ? 45 : 0, width: 120, overflow: 'truncate' },
          ...(spec.type === 'line' || spec.type === 'area' ? { boundaryGap: false } : {}),
        },
    yAxis: { type: 'value', name: !many && vnames.length === 1 ? vnames[0] : '', scale: false },
    // many categories: start on the first 40, the slider shows the rest
    ...(zoom ? { dataZoom: [{ type: 'inside', ...win }, { type: 'slider', height: 18, bottom: 8, ...win }] } : {}),
    series: out,
  };
}

function pieOption(spec: ChartSpec, cols: Column[], rows: unknown[][], label: Label): Option {
  const K = Math.min(spec.keys.length, Math.max(0, cols.length - 1));
  const vi = cols.length - 1;
  let data = rows
    .map((r) => ({ name: r.slice(0, K).map((v, i) => label(v, i)).join(' · '), value: num(r[vi]) ?? 0 }))
    .filter((d) => d.value > 0)
    .sort((a, b) => b.value - a.value);
  if (data.length > MAX_PIE_SLICES) {
    const rest = data.slice(MAX_PIE_SLICES - 1).reduce((s, d) => s + d.value, 0);
    data = [...data.slice(0, MAX_PIE_SLICES - 1), { name: `other (${data.length - MAX_PIE_SLICES + 1})`, value: rest }];
  }
  return {
    tooltip: { trigger: 'item', formatter: '{b}: {c} ({d}%)' },
    legend: { type: 'scroll', orient: 'vertical', right: 8, top: 16, bottom: 16 },
    series: [
      {
        name: cols[vi]?.name ?? '',
        type: 'pie',
        radius: ['30%', '68%'],
        center: ['40%', '52%'],
        data,
        label: { formatter: '{b}: {d}%' },
        itemStyle: { borderColor: '#fff', borderWidth: 1 },
      },
    ],
  };
}

function scatterOption(spec: ChartSpec, cols: Column[], rows: unknown[][], fmts: ValueFormat[], label: Label): Option {
  const xf = fmts[0];
  const xType = xf && isTemporal(xf) ? 'time' : xf && (isNumeric(xf) || xf.kind === 'bool') ? 'value' : 'category';
  const grouped = spec.groups.length > 0 && cols.length > 2;
  const groups = new Map<string, unknown[][]>();
  for (const r of rows) {
    const g = grouped ? label(r[2], 2) : cols[1]?.name ?? '';
    const x = xType === 'time' ? timeOf(r[0]) : xType === 'value' ? num(r[0]) : label(r[0], 0);
    const y = num(r[1]);
    if (x === null || y === null) continue;
    let pts = groups.get(g);
    if (!pts) groups.set(g, (pts = []));
    pts.push([x, y]);
  }
  const large = rows.length > 2000;
  return {
    tooltip: { trigger: 'item' },
    legend: grouped ? { type: 'scroll', top: 0 } : { show: false },
    grid: { left: 16, right: 32, top: grouped ? 40 : 28, bottom: 40, containLabel: true },
    xAxis: { type: xType, name: cols[0]?.name ?? '', nameLocation: 'middle', nameGap: 28, scale: true },
    yAxis: { type: 'value', name: cols[1]?.name ?? '', scale: true },
    dataZoom: [{ type: 'inside', xAxisIndex: 0 }, { type: 'inside', yAxisIndex: 0 }],
    series: [...groups.entries()].map(([name, data]) => ({
      name,
      type: 'scatter',
      data,
      symbolSize: large ? 3 : 6,
      large,
      itemStyle: { opacity: large ? 0.5 : 0.75 },
    })),
  };
}

function histogramOption(spec: ChartSpec, cols: Column[], rows: unknown[][], label: Label): Option {
  const li = Math.max(0, cols.findIndex((c) => c.name === 'lo'));
  const hi = cols.findIndex((c) => c.name === 'hi');
  const ci = cols.findIndex((c) => c.name === 'count');
  const cats = rows.map((r) => `${label(r[li], li)} – ${label(r[hi < 0 ? 1 : hi], hi < 0 ? 1 : hi)}`);
  const data = rows.map((r) => num(r[ci < 0 ? 2 : ci]) ?? 0);
  const name = spec.keys[0] ?? spec.values[0]?.column ?? '';
  return {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: { show: false },
    // Rotated bin labels ("2997 – 3121") reach ~70px below the axis; the name goes under them.
    grid: { left: 16, right: 32, top: 28, bottom: 36, containLabel: true },
    xAxis: { type: 'category', data: cats, name, nameLocation: 'middle', nameGap: 80, axisLabel: { rotate: 45, hideOverlap: true } },
    yAxis: { type: 'value', name: 'count' },
    series: [{ name: 'count', type: 'bar', data, barCategoryGap: '4%' }],
  };
}

function heatmapOption(_spec: ChartSpec, cols: Column[], rows: unknown[][], label: Label): Option {
  const vi = cols.length - 1;
  const xs = new Map<string, number>();
  const ys = new Map<string, number>();
  const data: [number, number, number | null][] = [];
  let min = Infinity;
  let max = -Infinity;
  for (const r of rows) {
    const x = label(r[0], 0);
    const y = label(r[1], 1);
    let xi = xs.get(x);
    if (xi === undefined) xs.set(x, (xi = xs.size));
    let yi = ys.get(y);
    if (yi === undefined) ys.set(y, (yi = ys.size));
    const v = num(r[vi]);
    if (v !== null) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    data.push([xi, yi, v]);
  }
  if (!Number.isFinite(min)) [min, max] = [0, 1];
  return {
    tooltip: { position: 'top', trigger: 'item' },
    // Axis names sit under the x labels and above the y axis, inside the grid's margins: at
    // their default places ECharts draws them past the chart's edges.
    grid: { left: 16, right: 32, top: 32, bottom: 84, containLabel: true },
    xAxis: { type: 'category', data: [...xs.keys()], name: cols[0]?.name ?? '', nameLocation: 'middle', nameGap: xs.size > 12 ? 64 : 28, splitArea: { show: true }, axisLabel: { rotate: xs.size > 12 ? 45 : 0, hideOverlap: true } },
    yAxis: { type: 'category', data: [...ys.keys()], name: cols[1]?.name ?? '', splitArea: { show: true }, axisLabel: { hideOverlap: true } },
    visualMap: { min, max, calculable: true, orient: 'horizontal', left: 'center', bottom: 4, itemHeight: 120, itemWidth: 12, inRange: { color: ['#f0f6ff', '#7aa7e8', '#2f6fd6', '#173c80'] } },
    series: [{ name: cols[vi]?.name ?? '', type: 'heatmap', data, progressive: 2000, emphasis: { itemStyle: { borderColor: '#333', borderWidth: 1 } } }],
  };
}
