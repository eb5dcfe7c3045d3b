import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sqlFormat } from './arrow';
import { columnWidth, rowNumberWidth, countText, filterFrom, filterText, nextSort, PageCache, pageRuns, pagesFor, scrollHeight, sparkBars, viewport } from './grid';

describe('scroll geometry', () => {
  test('1:1 while the rows fit in the scroll limit', () => {
    assert.equal(scrollHeight(1000, 24, 1e6), 24000);
    assert.deepEqual(viewport(0, 240, 1000, 24, 1e6), { first: 0, count: 11, offset: 0 });
    assert.deepEqual(viewport(250, 240, 1000, 24, 1e6), { first: 10, count: 12, offset: -10 });
    // the bottom shows the last row
    const v = viewport(24000 - 240, 240, 1000, 24, 1e6);
    assert.equal(v.first + v.count, 1000);
    assert.equal(v.first, 990);
  });

  test('a million rows past the limit scroll proportionally, end to end', () => {
    const total = 1_000_000;
    const max = 15_000_000;
    assert.equal(scrollHeight(total, 24, max), max);
    assert.deepEqual(viewport(0, 400, total, 24, max), { first: 0, count: 18, offset: 0 });
    const end = viewport(max - 400, 400, total, 24, max);
    assert.equal(end.first + end.count, total, 'the last row is drawn');
    // the last row's bottom is at the bottom of the visible area
    assert.equal(end.offset + end.count * 24 >= 400, true);
    assert.ok(end.offset + (end.count - 1) * 24 < 400);
    const mid = viewport((max - 400) / 2, 400, total, 24, max);
    assert.ok(Math.abs(mid.first - (total - 400 / 24) / 2) < 2);
    // scrolling past the end clamps
    assert.deepEqual(viewport(max * 2, 400, total, 24, max), end);
  });

  test('few rows and none', () => {
    assert.deepEqual(viewport(0, 400, 3), { first: 0, count: 3, offset: 0 });
    assert.deepEqual(viewport(100, 400, 0), { first: 0, count: 0, offset: 0 });
  });
});

describe('pages', () => {
  test('pages covering rows, with one either side, within the total', () => {
    assert.deepEqual(pagesFor(0, 17, 1000, 100), [0, 1]);
    assert.deepEqual(pagesFor(250, 270, 1000, 100), [1, 2, 3]);
    assert.deepEqual(pagesFor(990, 999, 1000, 100), [8, 9]);
    assert.deepEqual(pagesFor(250, 270, 1000, 100, 0), [2]);
    assert.deepEqual(pagesFor(0, 5, 0, 100), []);
  });

  test('runs merge consecutive pages, capped', () => {
    assert.deepEqual(pageRuns([3, 1, 2, 7]), [{ page: 1, count: 3 }, { page: 7, count: 1 }]);
    assert.deepEqual(pageRuns([0, 1, 2], 2), [{ page: 0, count: 2 }, { page: 2, count: 1 }]);
    assert.deepEqual(pageRuns([]), []);
  });

  test('the cache: rows by index, nothing asked twice, least recently used evicted', () => {
    const c = new PageCache(10, 3);
    const page = (p: number) => Array.from({ length: 10 }, (_, i) => [String(p * 10 + i)]);
    assert.deepEqual(c.missing([0, 1]), [0, 1]);
    c.asked([0, 1]);
    assert.deepEqual(c.missing([0, 1, 2]), [2], 'asked pages are not missing');
    c.putRows(0, [...page(0), ...page(1)]);
    assert.deepEqual(c.row(15), ['15']);
    assert.equal(c.row(25), undefined);
    c.put(2, page(2));
    c.touch([0]);
    c.put(3, page(3));
    assert.equal(c.has(1), false, 'page 1 was used least recently');
    assert.equal(c.has(0), true);
    c.asked([5]);
    c.failed([5]);
    assert.deepEqual(c.missing([5]), [5], 'a failed page can be asked again');
    c.clear();
    assert.equal(c.size, 0);
  });
});

describe('sort and filter', () => {
  test('a header click cycles ascending, descending, none', () => {
    let s = nextSort([], 'a');
    assert.deepEqual(s, [{ column: 'a' }]);
    s = nextSort(s, 'a');
    assert.deepEqual(s, [{ column: 'a', desc: true }]);
    assert.deepEqual(nextSort(s, 'a'), []);
    assert.deepEqual(nextSort(s, 'b'), [{ column: 'b' }], 'a plain click sorts by that column only');
    const multi = nextSort(s, 'b', true);
    assert.deepEqual(multi, [{ column: 'a', desc: true }, { column: 'b' }]);
    assert.deepEqual(nextSort(multi, 'b', true), [{ column: 'a', desc: true }, { column: 'b', desc: true }]);
    assert.deepEqual(nextSort(nextSort(multi, 'b', true), 'b', true), [{ column: 'a', desc: true }]);
  });

  test('filter values are typed by the column', () => {
    assert.deepEqual(filterFrom('delay', '>', ' 60 ', sqlFormat('BIGINT')), { column: 'delay', op: '>', value: 60 });
    assert.equal(filterFrom('delay', '>', 'abc', sqlFormat('BIGINT')), null);
    assert.equal(filterFrom('delay', '=', '', sqlFormat('BIGINT')), null);
    assert.deepEqual(filterFrom('delay', 'contains', '6', sqlFormat('BIGINT')), { column: 'delay', op: 'contains', value: '6' });
    assert.deepEqual(filterFrom('origin', '=', 'SEA', sqlFormat('VARCHAR')), { column: 'origin', op: '=', value: 'SEA' });
    assert.deepEqual(filterFrom('origin', 'is_null', 'ignored', sqlFormat('VARCHAR')), { column: 'origin', op: 'is_null' });
    assert.deepEqual(filterFrom('ok', '=', 'TRUE', sqlFormat('BOOLEAN')), { column: 'ok', op: '=', value: true });
    assert.equal(filterText({ column: 'delay', op: '>=', value: 60 }), 'delay ≥ 60');
    assert.equal(filterText({ column: 'x', op: 'not_null' }), 'x is not NULL');
  });

  test('counts', () => {
    assert.equal(countText(1_000_000, null), '1,000,000 rows');
    assert.equal(countText(1, null), '1 row');
    assert.equal(countText(1_000_000, 12), '12 of 1,000,000 rows');
  });
});

test('column widths and sparklines', () => {
  assert.equal(columnWidth('n', 'INT', ['1']), 96);
  assert.equal(columnWidth('a_long_column_name', 'INT', ['1']), 176);
  assert.equal(rowNumberWidth(3), 40);
  assert.equal(rowNumberWidth(1_000_000), 67);
  assert.equal(columnWidth('name', 'VARCHAR', ['x'.repeat(500)]), 360);
  assert.deepEqual(sparkBars([], 100, 20), []);
  assert.deepEqual(sparkBars([0, 0], 100, 20), []);
  const bars = sparkBars([1, 0, 4], 90, 20);
  assert.equal(bars.length, 3);
  assert.deepEqual(bars[2], [60, 0, 29, 20]);
  assert.deepEqual(bars[0], [0, 15, 29, 5]);
  assert.equal(bars[1]![3], 0);
});
