import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyEvent, elapsedAt, formatElapsed, type NotebookState } from './state';
import type { NotebookData, ParagraphData, ServerEvent } from './types';

const para = (id: string, extra: Partial<ParagraphData> = {}): ParagraphData => ({ id, lang: 'sql', text: `select '${id}'`, rev: 1, ...extra });

function snapshot(paragraphs: ParagraphData[], name = 'nb'): ServerEvent {
  const notebook: NotebookData = { id: 'n1', name, paragraphs };
  return { type: 'notebook', notebook };
}

function run(events: ServerEvent[], start: NotebookState | null = null, now = 1000): NotebookState {
  let s = start;
  for (const ev of events) s = applyEvent(s, ev, now);
  assert.ok(s);
  return s;
}

const ids = (s: NotebookState) => s.paragraphs.map((p) => p.id);

describe('snapshot', () => {
  test('replaces everything held', () => {
    let s = run([snapshot([para('a'), para('b')])]);
    s = run([{ type: 'status', id: 'a', runId: 1, status: 'RUNNING' }], s);
    s = run([snapshot([para('c', { run: { runId: 3, status: 'FINISHED', elapsedMs: 7, outputs: [{ type: 'text', text: 'x' }] } })], 'renamed')], s);
    assert.deepEqual(ids(s), ['c']);
    assert.equal(s.name, 'renamed');
    assert.equal(s.paragraphs[0]!.run?.runId, 3);
    assert.equal(s.paragraphs[0]!.run?.outputs.length, 1);
  });

  test('events before the first snapshot are ignored', () => {
    assert.equal(applyEvent(null, { type: 'deleted', id: 'a' }, 0), null);
  });

  test('null paragraphs and missing fields are normalized', () => {
    const s = run([{ type: 'notebook', notebook: { id: 'n', name: 'x', paragraphs: null } }]);
    assert.deepEqual(s.paragraphs, []);
    const t = run([snapshot([{ id: 'a', lang: 'go', text: 'x', rev: 2 }])]);
    assert.equal(t.paragraphs[0]!.title, '');
    assert.deepEqual(t.paragraphs[0]!.settings, {});
    assert.equal(t.paragraphs[0]!.run, null);
  });
});

describe('outputs by index', () => {
  const base = () => run([snapshot([para('a')]), { type: 'status', id: 'a', runId: 5, status: 'RUNNING', elapsedMs: 0 }]);

  test('setting an index twice replaces it (streamed text grows in place)', () => {
    let s = base();
    s = run([{ type: 'output', id: 'a', runId: 5, index: 0, output: { type: 'text', stream: 'stdout', text: 'he' } }], s);
    s = run([{ type: 'output', id: 'a', runId: 5, index: 0, output: { type: 'text', stream: 'stdout', text: 'hello' } }], s);
    assert.equal(s.paragraphs[0]!.run!.outputs.length, 1);
    assert.equal(s.paragraphs[0]!.run!.outputs[0]!.text, 'hello');
  });

  test('a snapshot followed by replayed events shows nothing twice', () => {
    const outs: ServerEvent[] = [
      { type: 'output', id: 'a', runId: 5, index: 0, output: { type: 'text', text: 'one' } },
      { type: 'output', id: 'a', runId: 5, index: 1, output: { type: 'text', text: 'two' } },
    ];
    const live = run(outs, base());
    const recon = run(
      [snapshot([para('a', { run: { runId: 5, status: 'RUNNING', outputs: [{ type: 'text', text: 'one' }, { type: 'text', text: 'two' }] } })]), ...outs],
      live,
    );
    assert.deepEqual(
      recon.paragraphs[0]!.run!.outputs.map((o) => o?.text),
      ['one', 'two'],
    );
  });

  test('an out-of-order index leaves a hole that is filled later', () => {
    let s = run([{ type: 'output', id: 'a', runId: 5, index: 1, output: { type: 'text', text: 'second' } }], base());
    assert.equal(s.paragraphs[0]!.run!.outputs.length, 2);
    assert.equal(s.paragraphs[0]!.run!.outputs[0], undefined);
    s = run([{ type: 'output', id: 'a', runId: 5, index: 0, output: { type: 'text', text: 'first' } }], s);
    assert.deepEqual(
      s.paragraphs[0]!.run!.outputs.map((o) => o?.text),
      ['first', 'second'],
    );
  });

  test('a new runId clears the outputs; old runs are ignored', () => {
    let s = run([{ type: 'output', id: 'a', runId: 5, index: 0, output: { type: 'text', text: 'old' } }], base());
    s = run([{ type: 'status', id: 'a', runId: 6, status: 'PENDING' }], s);
    assert.equal(s.paragraphs[0]!.run!.runId, 6);
    assert.equal(s.paragraphs[0]!.run!.outputs.length, 0);
    const before = s;
    s = run([{ type: 'output', id: 'a', runId: 5, index: 1, output: { type: 'text', text: 'late' } }], s);
    s = run([{ type: 'status', id: 'a', runId: 5, status: 'FINISHED' }], s);
    assert.equal(s, before, 'late events of an older run change nothing');
  });

  test('an output for a newer run than known starts that run', () => {
    const s = run([{ type: 'output', id: 'a', runId: 9, index: 0, output: { type: 'text', text: 'x' } }], base());
    assert.equal(s.paragraphs[0]!.run!.runId, 9);
    assert.equal(s.paragraphs[0]!.run!.outputs.length, 1);
  });

  test('status on the same run keeps outputs and records the error', () => {
    let s = run([{ type: 'output', id: 'a', runId: 5, index: 0, output: { type: 'text', text: 'x' } }], base());
    s = run([{ type: 'status', id: 'a', runId: 5, status: 'ERROR', elapsedMs: 12, error: { code: 'run_error', message: 'bad', line: 2, column: 3 } }], s);
    const r = s.paragraphs[0]!.run!;
    assert.equal(r.status, 'ERROR');
    assert.equal(r.outputs.length, 1);
    assert.equal(r.elapsedMs, 12);
    assert.deepEqual(r.error, { code: 'run_error', message: 'bad', line: 2, column: 3 });
  });

  test('unchanged paragraphs keep their identity', () => {
    const s0 = run([snapshot([para('a'), para('b')])]);
    const s1 = run([{ type: 'status', id: 'a', runId: 1, status: 'RUNNING' }], s0);
    assert.notEqual(s1.paragraphs[0], s0.paragraphs[0]);
    assert.equal(s1.paragraphs[1], s0.paragraphs[1]);
  });
});

describe('structure events', () => {
  test('added, moved, deleted', () => {
    let s = run([snapshot([para('a'), para('b')])]);
    s = run([{ type: 'added', paragraph: para('c'), index: 1 }], s);
    assert.deepEqual(ids(s), ['a', 'c', 'b']);
    s = run([{ type: 'added', paragraph: para('d'), index: -1 }], s);
    assert.deepEqual(ids(s), ['a', 'c', 'b', 'd']);
    s = run([{ type: 'added', paragraph: para('c'), index: 1 }], s);
    assert.deepEqual(ids(s), ['a', 'c', 'b', 'd'], 'a repeated add does not duplicate');
    s = run([{ type: 'moved', id: 'a', index: 3 }], s);
    assert.deepEqual(ids(s), ['c', 'b', 'd', 'a']);
    s = run([{ type: 'moved', id: 'd', index: 0 }], s);
    assert.deepEqual(ids(s), ['d', 'c', 'b', 'a']);
    s = run([{ type: 'deleted', id: 'c' }, { type: 'deleted', id: 'c' }], s);
    assert.deepEqual(ids(s), ['d', 'b', 'a']);
  });

  test('paragraph keeps the run and ignores older revs', () => {
    let s = run([snapshot([para('a', { run: { runId: 2, status: 'FINISHED', outputs: [{ type: 'text', text: 'x' }] } })])]);
    s = run([{ type: 'paragraph', paragraph: para('a', { text: 'select 2', lang: 'go', rev: 3 }) }], s);
    const p = s.paragraphs[0]!;
    assert.equal(p.text, 'select 2');
    assert.equal(p.lang, 'go');
    assert.equal(p.rev, 3);
    assert.equal(p.run?.runId, 2);
    s = run([{ type: 'paragraph', paragraph: para('a', { text: 'stale', rev: 2 }) }], s);
    assert.equal(s.paragraphs[0]!.text, 'select 2');
  });

  test('renamed and closed', () => {
    let s = run([snapshot([])]);
    s = run([{ type: 'renamed', name: 'new' }], s);
    assert.equal(s.name, 'new');
    s = run([{ type: 'closed', reason: 'deleted' }], s);
    assert.equal(s.closed, 'deleted');
  });
});

describe('elapsed', () => {
  test('ticks from the local receive time while running', () => {
    const s = run([snapshot([para('a')]), { type: 'status', id: 'a', runId: 1, status: 'RUNNING', elapsedMs: 100 }], null, 5000);
    const r = s.paragraphs[0]!.run!;
    assert.equal(elapsedAt(r, 5000), 100);
    assert.equal(elapsedAt(r, 6500), 1600);
    const done = run([{ type: 'status', id: 'a', runId: 1, status: 'FINISHED', elapsedMs: 1234 }], s, 9000).paragraphs[0]!.run!;
    assert.equal(elapsedAt(done, 99999), 1234);
  });

  test('format', () => {
    assert.equal(formatElapsed(4), '4 ms');
    assert.equal(formatElapsed(1234), '1.2 s');
    assert.equal(formatElapsed(125_000), '2m 05s');
    assert.equal(formatElapsed(3_725_000), '1h 02m 05s');
  });
});
