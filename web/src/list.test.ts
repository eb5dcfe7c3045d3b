import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baseOf, folderOf, joinName, trimFolder } from './list';

test('folderOf, baseOf and joinName split and join folder/name', () => {
  const tests: Array<[string, string, string]> = [
    ['q3', '', 'q3'],
    ['team/q3', 'team', 'q3'],
    ['team/sales/q3', 'team/sales', 'q3'],
  ];
  for (const [name, folder, base] of tests) {
    assert.equal(folderOf(name), folder, name);
    assert.equal(baseOf(name), base, name);
    assert.equal(joinName(folder, base), name, name);
  }
  assert.equal(joinName(' /archive/2026/ ', 'q3'), 'archive/2026/q3');
  assert.equal(joinName('', 'q3'), 'q3');
  assert.equal(trimFolder(' //a/b/ '), 'a/b');
  assert.equal(trimFolder('/'), '');
});
