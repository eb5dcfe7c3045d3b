import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expiryOf, originsOf } from './sharedialog';

test('expiry choices become times from now; never is null', () => {
  const now = new Date('2026-12-01T10:00:00Z');
  assert.equal(expiryOf('1h', now), '2026-12-01T11:00:00.000Z');
  assert.equal(expiryOf('7d', now), '2026-12-08T10:00:00.000Z');
  assert.equal(expiryOf('30d', now), '2026-12-31T10:00:00.000Z');
  assert.equal(expiryOf('never', now), null);
  assert.equal(expiryOf('', now), null);
  assert.equal(expiryOf('5m', now), null);
});

test('embed origins split on spaces and commas', () => {
  assert.deepEqual(originsOf(''), []);
  assert.deepEqual(originsOf('  https://a.example  https://b.example:8443,https://c.example '), ['https://a.example', 'https://b.example:8443', 'https://c.example']);
});
