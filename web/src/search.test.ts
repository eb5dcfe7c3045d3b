import { test } from 'node:test';
import assert from 'node:assert/strict';
import { debounce, pieces } from './search';

test('pieces marks every occurrence, ignoring case', () => {
  const tests: Array<[string, string, Array<[string, boolean]>]> = [
    ['select delay from flights', 'DELAY', [['select ', false], ['delay', true], [' from flights', false]]],
    ['Delay, delay', 'delay', [['Delay', true], [', ', false], ['delay', true]]],
    ['nothing here', 'x', [['nothing here', false]]],
    ['whole', '', [['whole', false]]],
    ['aaa', 'aa', [['aa', true], ['a', false]]],
    ['team/sales/q3', 'SALES/', [['team/', false], ['sales/', true], ['q3', false]]],
  ];
  for (const [text, q, want] of tests) {
    assert.deepEqual(pieces(text, q).map((p) => [p.text, p.mark]), want, `${text} / ${q}`);
  }
});

test('pieces never loses text', () => {
  for (const [text, q] of [['İstanbul ist', 'ist'], ['ß Straße', 'SS'], ['', 'a']] as const) {
    assert.equal(pieces(text, q).map((p) => p.text).join(''), text);
  }
});

test('debounce calls once, with the last arguments, after the calls stop', async () => {
  const calls: string[] = [];
  const f = debounce((s: string) => calls.push(s), 20);
  f('a');
  f('ab');
  f('abc');
  assert.deepEqual(calls, []);
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(calls, ['abc']);
  f('x');
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(calls, ['abc', 'x']);
});
