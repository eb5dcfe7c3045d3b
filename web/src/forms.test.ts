import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formDefault, formValue, parseFormValues, withFormValue } from './forms';

test('form defaults, as a string or a list', () => {
  assert.equal(formDefault({ name: 'origin', kind: 'text', default: ['SEA'] }), 'SEA');
  assert.equal(formDefault({ name: 'origin', kind: 'text', default: 'SEA' }), 'SEA');
  assert.equal(formDefault({ name: 'o', kind: 'select', default: null, options: ['a'] }), '');
  assert.deepEqual(formDefault({ name: 'c', kind: 'checkbox', default: ['a', 'b'], options: ['a', 'b', 'c'] }), ['a', 'b']);
  assert.deepEqual(formDefault({ name: 'c', kind: 'checkbox' }), []);
});

test('saved values win over defaults and fit the kind', () => {
  const values = parseFormValues('{"origin":"LAX","c":["x"],"bad":3,"one":"a"}');
  assert.deepEqual(values, { origin: 'LAX', c: ['x'], one: 'a' });
  assert.equal(formValue({ name: 'origin', kind: 'text', default: ['SEA'] }, values), 'LAX');
  assert.equal(formValue({ name: 'other', kind: 'text', default: ['SEA'] }, values), 'SEA');
  assert.deepEqual(formValue({ name: 'one', kind: 'checkbox' }, values), ['a']);
  assert.equal(formValue({ name: 'c', kind: 'select' }, values), 'x');
  assert.deepEqual(parseFormValues('not json'), {});
  assert.deepEqual(parseFormValues('[1]'), {});
});

test('setting a value keeps the other settings and values', () => {
  const s = withFormValue({ view: 'chart', forms: '{"a":"1"}' }, 'b', ["'; drop table x; --"]);
  assert.equal(s['view'], 'chart');
  assert.deepEqual(JSON.parse(s['forms']!), { a: '1', b: ["'; drop table x; --"] });
  assert.deepEqual(JSON.parse(withFormValue({}, 'x', 'y')['forms']!), { x: 'y' });
});
