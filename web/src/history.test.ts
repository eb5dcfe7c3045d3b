import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffLines } from './history';

test('diffLines drops headers and classifies lines', () => {
  const diff = 'diff --git a/x b/x\nindex 1..2 100644\n--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n select 1\n-from a\n+from b';
  assert.deepEqual(diffLines(diff).map((l) => l.kind), ['hunk', 'ctx', 'del', 'add']);
});
