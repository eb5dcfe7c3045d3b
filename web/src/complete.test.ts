import { test } from 'node:test';
import assert from 'node:assert/strict';
import { completionType, tabCompletes } from './complete';

test('Tab completes after part of a name or a dot, and indents elsewhere', () => {
  for (const s of ['strings.', 'sel', 'x := fo', 'données']) assert.ok(tabCompletes(s), s);
  for (const s of ['', '  ', 'f(', 'x := ']) assert.ok(!tabCompletes(s), s);
});

test('kernel kinds map to editor icons', () => {
  assert.equal(completionType('package'), 'namespace');
  assert.equal(completionType('column'), 'property');
  assert.equal(completionType('function'), 'function');
});
