import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { adaptChart, chartJSON, chartOption, chartProblem, parseChart, shortNumber, timeOf } from './chart';
import type { ChartSpec, Column, PivotResult } from './types';

const flights: Column[] = [
  { name: 'date', type: 'TIMESTAMP' },
  { name: 'delay', type: 'BIGINT' },
  { name: 'distance', type: 'BIGINT' },
  { name: 'origin', type: 'VARCHAR' },
  { name: 'destination', type: 'VARCHAR' },
];

type Series = { name: string; type: string; data: unknown[]; stack?: string; areaStyle?: unknown };
const series = (o: Record<string, unknown>) => o['series'] as Series[];

describe('chart settings', () => {
  test('round trip through compact JSON', () => {
    const c: ChartSpec = { type: 'bar', keys: ['origin'], groups: [], values: [{ column: 'delay', agg: 'avg' }], stacked: true };
    const raw = chartJSON(c);
    assert.equal(raw, '{"type":"bar","keys":["origin"],"groups":[],"values":[{"column":"delay","agg":"avg"}],"stacked":true}');
    assert.deepEqual(parseChart(raw), c);
  });

  test('unreadable settings are no chart; Zeppelin imports name values col', () => {
    assert.equal(parseChart(undefined), null);
    assert.equal(parseChart('bar'), null);
    assert.equal(parseChart('{"type":"sunburst"}'), null);
    assert.deepEqual(parseChart('{"type":"line","keys":["a"],"values":[{"col":"b","agg":"avg"},{"col":"c","agg":"weird"}]}'), {
      type: 'line',
      keys: ['a'],
      groups: [],
      values: [
        { column: 'b', agg: 'avg' },
        { column: 'c', agg: 'sum' },
      ],
    });
  });

  test('defaults: the first text column as key, the first numeric summed', () => {
    assert.deepEqual(adaptChart(null, 'bar', flights), { type: 'bar', keys: ['origin'], groups: [], values: [{ column: 'delay', agg: 'sum' }] });
    assert.deepEqual(adaptChart(null, 'timeseries', flights).keys, ['date']);
    assert.deepEqual(adaptChart(null, 'histogram', flights), { type: 'histogram', keys: ['delay'], groups: [], values: [{ column: 'delay', agg: 'count' }], bins: 30 });
    const sc = adaptChart(null, 'scatter', flights);
    assert.deepEqual([sc.keys, sc.values.map((v) => v.column)], [['delay'], ['distance']]);
    const hm = adaptChart(null, 'heatmap', flights);
    assert.deepEqual([hm.keys, hm.groups], [['origin'], ['date']]);
    // no numeric column: count the key
    assert.deepEqual(adaptChart(null, 'bar', [{ name: 's', type: 'VARCHAR' }]).values, [{ column: 's', agg: 'count' }]);
  });

  test('switching type keeps what fits and drops columns the result lacks', () => {
    const bar: ChartSpec = { type: 'bar', keys: ['origin', 'gone'], groups: ['destination'], values: [{ column: 'delay', agg: 'avg' }], stacked: true };
    assert.deepEqual(adaptChart(bar, 'area', flights), { type: 'area', keys: ['origin'], groups: ['destination'], values: [{ column: 'delay', agg: 'avg' }], stacked: true });
    assert.deepEqual(adaptChart(bar, 'pie', flights), { type: 'pie', keys: ['origin'], groups: [], values: [{ column: 'delay', agg: 'avg' }] });
    assert.deepEqual(adaptChart(bar, 'histogram', flights).keys, ['delay']);
    assert.equal(adaptChart(bar, 'line', flights).stacked, undefined);
  });

  test('a column the person removed stays removed; a spec naming lost columns is filled again', () => {
    const line: ChartSpec = { type: 'line', keys: [], groups: ['destination'], values: [{ column: 'delay', agg: 'avg' }] };
    assert.deepEqual(adaptChart(line, 'line', flights).keys, []);
    assert.equal(chartProblem(adaptChart(line, 'line', flights)), 'Pick a column for “X axis”');
    assert.deepEqual(adaptChart({ ...line, keys: ['gone'] }, 'line', flights).keys, ['origin']);
    assert.deepEqual(adaptChart({ ...line, keys: ['origin'], values: [] }, 'line', flights).values, []);
    assert.deepEqual(adaptChart({ type: 'scatter', keys: [], groups: [], values: [{ column: 'delay', agg: 'sum' }] }, 'scatter', flights).keys, []);
    assert.deepEqual(adaptChart({ type: 'heatmap', keys: ['origin'], groups: [], values: [{ column: 'delay', agg: 'avg' }] }, 'heatmap', flights).groups, []);
  });

  test('problems', () => {
    assert.equal(chartProblem({ type: 'bar', keys: [], groups: [], values: [] }), 'Pick a column for “X axis”');
    assert.equal(chartProblem({ type: 'heatmap', keys: ['a'], groups: [], values: [{ column: 'b', agg: 'sum' }] }), 'Pick a column for “Y”');
    assert.equal(chartProblem(adaptChart(null, 'bar', flights)), null);
  });
});

describe('chart option', () => {
  const pivot = (columns: Column[], rows: unknown[][], extra: Partial<PivotResult> = {}): PivotResult => ({ columns, rows, total: 3_000_000, ...extra });

  test('bar: one category per key, one series per value', () => {
    const spec: ChartSpec = { type: 'bar', keys: ['origin'], groups: [], values: [{ column: 'delay', agg: 'avg' }] };
    const { option, note } = chartOption(spec, pivot([{ name: 'origin', type: 'VARCHAR' }, { name: 'avg(delay)', type: 'DOUBLE' }], [['ATL', 7.5], ['SEA', '3.25'], [null, 1]]));
    assert.equal(note, '');
    assert.deepEqual((option['xAxis'] as { data: string[] }).data, ['ATL', 'SEA', 'NULL']);
    assert.deepEqual(series(option).map((s) => [s.name, s.type, s.data]), [['avg(delay)', 'bar', [7.5, 3.25, 1]]]);
  });

  test('grouped and stacked bars: a series per group, aligned on the categories', () => {
    const spec: ChartSpec = { type: 'bar', keys: ['origin'], groups: ['carrier'], values: [{ column: 'n', agg: 'count' }], stacked: true };
    const { option } = chartOption(
      spec,
      pivot(
        [{ name: 'origin', type: 'VARCHAR' }, { name: 'carrier', type: 'VARCHAR' }, { name: 'count(n)', type: 'BIGINT' }],
        [['ATL', 'AA', 1], ['ATL', 'DL', 2], ['SEA', 'DL', 3]],
      ),
    );
    assert.deepEqual(series(option).map((s) => [s.name, s.data, s.stack]), [
      ['AA', [1, null], 'total'],
      ['DL', [2, 3], 'total'],
    ]);
    assert.deepEqual((option['legend'] as { type: string }).type, 'scroll');
  });

  test('area and line; many categories get a zoom', () => {
    const rows = Array.from({ length: 50 }, (_, i) => [`k${i}`, i, i * 2]);
    const cols = [{ name: 'k', type: 'VARCHAR' }, { name: 'sum(a)', type: 'HUGEINT' }, { name: 'sum(b)', type: 'HUGEINT' }];
    const { option } = chartOption({ type: 'area', keys: ['k'], groups: [], values: [{ column: 'a', agg: 'sum' }, { column: 'b', agg: 'sum' }] }, pivot(cols, rows));
    assert.equal(series(option).length, 2);
    assert.ok(series(option).every((s) => s.type === 'line' && s.areaStyle));
    assert.ok(Array.isArray(option['dataZoom']));
  });

  test('time series: points at epoch milliseconds, with a zoom', () => {
    const { option } = chartOption(
      { type: 'timeseries', keys: ['day'], groups: [], values: [{ column: 'delay', agg: 'avg' }] },
      pivot([{ name: 'day', type: 'DATE' }, { name: 'avg(delay)', type: 'DOUBLE' }], [['2001-01-01', 5], ['2001-01-02', 6]]),
    );
    assert.equal((option['xAxis'] as { type: string }).type, 'time');
    assert.deepEqual(series(option)[0]!.data, [[Date.UTC(2001, 0, 1), 5], [Date.UTC(2001, 0, 2), 6]]);
    assert.ok(Array.isArray(option['dataZoom']));
    assert.equal(option['useUTC'], true);
  });

  test('pie: largest slices first, the rest folded into other', () => {
    const rows = Array.from({ length: 25 }, (_, i) => [`s${i}`, i + 1]);
    const { option } = chartOption({ type: 'pie', keys: ['s'], groups: [], values: [{ column: 'v', agg: 'sum' }] }, pivot([{ name: 's', type: 'VARCHAR' }, { name: 'sum(v)', type: 'BIGINT' }], rows));
    const data = series(option)[0]!.data as { name: string; value: number }[];
    assert.equal(data.length, 20);
    assert.deepEqual(data[0], { name: 's24', value: 25 });
    assert.deepEqual(data[19], { name: 'other (6)', value: 1 + 2 + 3 + 4 + 5 + 6 });
  });

  test('scatter: sampled points say so; groups are series', () => {
    const { option, note } = chartOption(
      { type: 'scatter', keys: ['distance'], groups: ['origin'], values: [{ column: 'delay', agg: 'sum' }] },
      pivot([{ name: 'distance', type: 'BIGINT' }, { name: 'delay', type: 'BIGINT' }, { name: 'origin', type: 'VARCHAR' }], [[100, 5, 'SEA'], [200, -3, 'ATL'], [300, null, 'SEA']], { sampled: 5000 }),
    );
    assert.equal(note, 'sampled 5,000 of 3,000,000 points');
    assert.deepEqual(series(option).map((s) => [s.name, s.data]), [['SEA', [[100, 5]]], ['ATL', [[200, -3]]]]);
  });

  test('histogram: a bar per bin labelled with its range', () => {
    const { option } = chartOption(
      { type: 'histogram', keys: ['delay'], groups: [], values: [{ column: 'delay', agg: 'count' }], bins: 2 },
      pivot([{ name: 'lo', type: 'DOUBLE' }, { name: 'hi', type: 'DOUBLE' }, { name: 'count', type: 'BIGINT' }], [[-10, 0.33333333, 7], [0.33333333, 10, 3]]),
    );
    assert.deepEqual((option['xAxis'] as { data: string[] }).data, ['-10 – 0.3333', '0.3333 – 10']);
    assert.deepEqual(series(option)[0]!.data, [7, 3]);
  });

  test('heatmap: x and y categories and a color scale', () => {
    const { option } = chartOption(
      { type: 'heatmap', keys: ['origin'], groups: ['dow'], values: [{ column: 'delay', agg: 'avg' }] },
      pivot([{ name: 'origin', type: 'VARCHAR' }, { name: 'dow', type: 'BIGINT' }, { name: 'avg(delay)', type: 'DOUBLE' }], [['ATL', 1, 2], ['ATL', 2, 4], ['SEA', 1, 8]]),
    );
    assert.deepEqual((option['xAxis'] as { data: string[] }).data, ['ATL', 'SEA']);
    assert.deepEqual((option['yAxis'] as { data: string[] }).data, ['1', '2']);
    assert.deepEqual(series(option)[0]!.data, [[0, 0, 2], [0, 1, 4], [1, 0, 8]]);
    assert.deepEqual([(option['visualMap'] as { min: number }).min, (option['visualMap'] as { max: number }).max], [2, 8]);
  });

  test('no rows and truncation are noted', () => {
    assert.match(chartOption(adaptChart(null, 'bar', flights), pivot([], [])).note, /no rows/);
    assert.match(chartOption(adaptChart(null, 'bar', flights), pivot([{ name: 'a', type: 'VARCHAR' }, { name: 'b', type: 'BIGINT' }], [['x', 1]], { truncated: true })).note, /first 1 point/);
  });

  test('helpers', () => {
    assert.equal(shortNumber(0.123456), '0.1235');
    assert.equal(shortNumber(12), '12');
    assert.equal(timeOf('2001-01-02'), Date.UTC(2001, 0, 2));
    assert.equal(timeOf('2001-01-02T03:04:05Z'), Date.UTC(2001, 0, 2, 3, 4, 5));
    assert.equal(timeOf('2001-01-02 03:04:05'), Date.UTC(2001, 0, 2, 3, 4, 5));
    assert.equal(timeOf('nope'), null);
  });
});
