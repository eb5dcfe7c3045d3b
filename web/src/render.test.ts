import assert from 'node:assert/strict';
import { test } from 'node:test';
import { minimalChange } from './editor';
import { errorLocation } from './outputs';
import { socketURL } from './notebook';
import { ordinal } from './paragraph';

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

test('error location', () => {
  assert.equal(errorLocation({ code: 'run_error', message: 'm' }), '');
  assert.equal(errorLocation({ code: 'run_error', message: 'm', line: 3 }), 'line 3');
  assert.equal(errorLocation({ code: 'run_error', message: 'm', line: 3, column: 7 }), 'line 3, col 7');
});

test('websocket url follows the page protocol', () => {
  assert.equal(socketURL({ protocol: 'http:', host: 'h:8080' }, 'a b'), 'ws://h:8080/ws/notebooks/a%20b');
  assert.equal(socketURL({ protocol: 'https:', host: 'h' }, 'x'), 'wss://h/ws/notebooks/x');
});

test('ordinals for the run queue', () => {
  assert.deepEqual([1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111].map(ordinal), ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '101st', '111th']);
});
