import assert from 'node:assert/strict';
import { test } from 'node:test';
import { minimalChange } from './editor';
import { errorLocation } from './outputs';
import { socketURL } from './notebook';
import { cellText, pageLimit, rowCountText } from './table';

test('minimalChange keeps the common prefix and suffix', () => {
  assert.equal(minimalChange('abc', 'abc'), null);
  assert.deepEqual(minimalChange('select 1 from t', 'select 12 from t'), { from: 8, to: 8, insert: '2' });
  assert.deepEqual(minimalChange('aaa', 'aa'), { from: 2, to: 3, insert: '' });
  assert.deepEqual(minimalChange('', 'x'), { from: 0, to: 0, insert: 'x' });
  const a = 'line1\nline2\nline3';
  const b = 'line1\nLINE2\nline3';
  const ch = minimalChange(a, b)!;
  assert.equal(a.slice(0, ch.from) + ch.insert + a.slice(ch.to), b);
});

test('row count text', () => {
  assert.equal(rowCountText(1, 1), '1 row');
  assert.equal(rowCountText(3000000, 100), '3000000 rows, showing first 100');
  assert.equal(rowCountText(0, 0), '0 rows');
  assert.equal(pageLimit(50), 100);
  assert.equal(pageLimit(1000), 1000);
  assert.equal(pageLimit(50000), 10000);
});

test('cell text', () => {
  assert.equal(cellText(null), 'NULL');
  assert.equal(cellText(1.5), '1.5');
  assert.equal(cellText(6.8500000000000005), '6.85');
  assert.equal(cellText(12345678901234), '12345678901234');
  assert.equal(cellText(1e-7), '1e-7');
  assert.equal(cellText('x'), 'x');
  assert.equal(cellText({ a: 1 }), '{"a":1}');
});

test('error location', () => {
  assert.equal(errorLocation({ code: 'run_error', message: 'm' }), '');
  assert.equal(errorLocation({ code: 'run_error', message: 'm', line: 3 }), 'line 3');
  assert.equal(errorLocation({ code: 'run_error', message: 'm', line: 3, column: 7 }), 'line 3, col 7');
});

test('websocket url follows the page protocol', () => {
  assert.equal(socketURL({ protocol: 'http:', host: 'h:8080' }, 'a b'), 'ws://h:8080/ws/notebooks/a%20b');
  assert.equal(socketURL({ protocol: 'https:', host: 'h' }, 'x'), 'wss://h/ws/notebooks/x');
});
