import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { changedFields, type Content, decide, type EditFields, ParagraphSync, rebased, type Revised } from './editsync';
import { DISCONNECTED, RequestError } from './protocol';

const c = (text: string, lang = 'sql', title = ''): Content => ({ text, lang, title });
const r = (rev: number, text: string, lang = 'sql', title = ''): Revised => ({ rev, text, lang, title });

describe('decide', () => {
  test('older server copies are ignored', () => {
    assert.equal(decide(r(3, 'a'), c('b'), r(2, 'z')), 'ignore');
  });
  test('nothing pending: adopt the server copy', () => {
    assert.equal(decide(r(1, 'a'), c('a'), r(2, 'other')), 'adopt');
  });
  test('server already has our text: adopt', () => {
    assert.equal(decide(r(1, 'a'), c('mine'), r(2, 'mine')), 'adopt');
  });
  test('same rev (server normalized our %lang line): rebase', () => {
    assert.equal(decide(r(2, '%go\nx'), c('%go\nxy', 'sql'), r(2, 'x', 'go')), 'rebase');
  });
  test('text unchanged on the server: rebase our text on its rev', () => {
    assert.equal(decide(r(1, 'a'), c('mine'), r(2, 'a', 'sql', 'new title')), 'rebase');
    assert.deepEqual(rebased(c('a'), c('mine'), r(2, 'a', 'sql', 'new title')), c('mine', 'sql', 'new title'));
  });
  test('both changed the text: conflict', () => {
    assert.equal(decide(r(1, 'a'), c('mine'), r(2, 'theirs')), 'conflict');
  });
  test('changed fields', () => {
    assert.deepEqual(changedFields(c('a', 'sql', 't'), c('a', 'go', 't')), { lang: 'go' });
    assert.deepEqual(changedFields(c('a'), c('a')), {});
  });
});

/** A fake editor, socket and clock around one ParagraphSync. */
function setup(base = r(1, 'select 1')) {
  let local: Content = { text: base.text, lang: base.lang, title: base.title };
  let latest: Revised | undefined = { ...base };
  const sent: { rev: number; fields: EditFields; resolve: (v: { rev: number }) => void; reject: (e: unknown) => void }[] = [];
  const conflicts: { refused: Content; server: Revised }[] = [];
  const errors: unknown[] = [];
  let timer: { fn: () => void; ms: number } | null = null;
  const sync = new ParagraphSync(base, {
    getLocal: () => ({ ...local }),
    setLocal: (x) => {
      local = { ...x };
    },
    sendEdit: (rev, fields) =>
      new Promise((resolve, reject) => {
        sent.push({ rev, fields, resolve, reject });
      }),
    latest: () => latest,
    conflict: (refused, server) => conflicts.push({ refused, server }),
    error: (e) => errors.push(e),
    setTimer: (fn, ms) => {
      timer = { fn, ms };
      return timer;
    },
    clearTimer: (h) => {
      if (timer === h) timer = null;
    },
  });
  return {
    sync,
    sent,
    conflicts,
    errors,
    type(text: string) {
      local = { ...local, text };
      sync.changed();
    },
    local: () => local,
    setLocal(x: Content) {
      local = { ...x };
    },
    setLatest(p: Revised | undefined) {
      latest = p;
    },
    fire() {
      const t = timer;
      timer = null;
      assert.ok(t, 'a timer is set');
      t.fn();
    },
    get timer() {
      return timer;
    },
  };
}

const tick = () => new Promise((res) => setImmediate(res));

describe('ParagraphSync', () => {
  test('debounces typing into one edit with the base rev', async () => {
    const t = setup();
    t.type('select 1 ');
    t.type('select 1 +');
    t.type('select 1 + 1');
    assert.equal(t.sent.length, 0);
    assert.equal(t.timer?.ms, 300);
    t.fire();
    assert.equal(t.sent.length, 1);
    assert.deepEqual(t.sent[0]!.fields, { text: 'select 1 + 1' });
    assert.equal(t.sent[0]!.rev, 1);
    t.sent[0]!.resolve({ rev: 2 });
    await tick();
    assert.equal(t.sync.base.rev, 2);
    assert.equal(t.sync.pending, false);
  });

  test('one edit in flight; typing meanwhile is sent after the ack on the new rev', async () => {
    const t = setup();
    t.type('a');
    t.fire();
    t.type('ab');
    t.fire(); // in flight: nothing more is sent
    assert.equal(t.sent.length, 1);
    t.sent[0]!.resolve({ rev: 2 });
    await tick();
    assert.equal(t.sent.length, 2);
    assert.equal(t.sent[1]!.rev, 2);
    assert.deepEqual(t.sent[1]!.fields, { text: 'ab' });
  });

  test('settle flushes pending edits and waits for the acks', async () => {
    const t = setup();
    t.type('x');
    let done: boolean | undefined;
    void t.sync.settle().then((v) => (done = v));
    await tick();
    assert.equal(t.sent.length, 1, 'sent without waiting for the debounce');
    assert.equal(done, undefined);
    t.sent[0]!.resolve({ rev: 2 });
    await tick();
    await tick();
    assert.equal(done, true);
  });

  test('a conflict error shows the server copy and keeps the refused text', async () => {
    const t = setup();
    t.type('mine');
    const settled = t.sync.settle();
    await tick();
    t.sent[0]!.reject(new RequestError('conflict', 'changed', { paragraph: { id: 'p', lang: 'sql', text: 'theirs', rev: 3 } }));
    assert.equal(await settled, false);
    assert.equal(t.local().text, 'theirs');
    assert.equal(t.sync.base.rev, 3);
    assert.equal(t.conflicts.length, 1);
    assert.equal(t.conflicts[0]!.refused.text, 'mine');
    // re-applying sends ours on the new rev
    t.type('mine');
    t.fire();
    assert.equal(t.sent[1]!.rev, 3);
  });

  test('a remote change with nothing pending updates the editor', () => {
    const t = setup();
    t.sync.server(r(2, 'theirs'));
    assert.equal(t.local().text, 'theirs');
    assert.equal(t.sync.base.rev, 2);
    assert.equal(t.sent.length, 0);
  });

  test('a remote text change while we type is a conflict', () => {
    const t = setup();
    t.type('mine');
    t.sync.server(r(2, 'theirs'));
    assert.equal(t.conflicts.length, 1);
    assert.equal(t.local().text, 'theirs');
    assert.equal(t.timer, null, 'the pending edit is dropped, kept in the notice');
  });

  test('a remote title change while we type is rebased', () => {
    const t = setup();
    t.type('mine');
    t.sync.server(r(2, 'select 1', 'sql', 'Their title'));
    assert.equal(t.conflicts.length, 0);
    assert.deepEqual(t.local(), c('mine', 'sql', 'Their title'));
    t.fire();
    assert.equal(t.sent[0]!.rev, 2);
    assert.deepEqual(t.sent[0]!.fields, { text: 'mine' });
  });

  test('events arriving while an edit is in flight are decided after the ack', async () => {
    const t = setup();
    t.type('%go\nfmt.Println(1)');
    t.fire();
    // the server's echo: directive stripped, language changed
    t.sync.server(r(2, 'fmt.Println(1)', 'go'));
    assert.equal(t.local().text, '%go\nfmt.Println(1)', 'not applied while in flight');
    t.setLatest(r(2, 'fmt.Println(1)', 'go'));
    t.sent[0]!.resolve({ rev: 2 });
    await tick();
    assert.deepEqual(t.local(), c('fmt.Println(1)', 'go'));
    assert.equal(t.sync.pending, false);
  });

  test('an ack followed by another client\'s newer edit adopts theirs', async () => {
    const t = setup();
    t.type('mine');
    t.fire();
    t.setLatest(r(3, 'theirs after mine'));
    t.sent[0]!.resolve({ rev: 2 });
    await tick();
    assert.equal(t.local().text, 'theirs after mine');
    assert.equal(t.conflicts.length, 0);
  });

  test('after a reconnect, unsent edits are rebased when the server text is unchanged', async () => {
    const t = setup();
    t.type('mine');
    t.sync.disconnected();
    assert.equal(t.timer, null);
    t.sync.reconnected(r(4, 'select 1', 'sql', 'renamed meanwhile'));
    assert.equal(t.sent.length, 1);
    assert.equal(t.sent[0]!.rev, 4);
    assert.deepEqual(t.sent[0]!.fields, { text: 'mine' });
  });

  test('after a reconnect, a text changed on the server is a conflict', () => {
    const t = setup();
    t.type('mine');
    t.sync.disconnected();
    t.sync.reconnected(r(4, 'theirs'));
    assert.equal(t.conflicts.length, 1);
    assert.equal(t.sent.length, 0);
  });

  test('an edit whose ack was lost but which was applied is not a conflict', async () => {
    const t = setup();
    t.type('mine');
    t.fire();
    t.sync.disconnected();
    t.sent[0]!.reject(new RequestError(DISCONNECTED, 'lost'));
    await tick();
    t.sync.reconnected(r(2, 'mine'));
    assert.equal(t.conflicts.length, 0);
    assert.equal(t.sync.pending, false);
  });

  test('an edit lost with typing after it is rebased, not a conflict', async () => {
    const t = setup();
    t.type('mine');
    t.fire();
    t.type('mine and more');
    t.sync.disconnected();
    t.sent[0]!.reject(new RequestError(DISCONNECTED, 'lost'));
    await tick();
    t.sync.reconnected(r(2, 'mine'));
    assert.equal(t.conflicts.length, 0);
    assert.equal(t.sent.length, 2);
    assert.equal(t.sent[1]!.rev, 2);
    assert.deepEqual(t.sent[1]!.fields, { text: 'mine and more' });
  });

  test('other failures are reported and make settle false', async () => {
    const t = setup();
    t.type('x'.repeat(10));
    const settled = t.sync.settle();
    await tick();
    t.sent[0]!.reject(new RequestError('too_large', 'too big'));
    assert.equal(await settled, false);
    assert.equal(t.errors.length, 1);
  });

  test('settle while disconnected is false', async () => {
    const t = setup();
    t.type('x');
    t.sync.disconnected();
    assert.equal(await t.sync.settle(), false);
  });

  test('settings travel with the content; a remote text change while a setting is pending is rebased', async () => {
    const t = setup();
    const chart = { view: 'chart', chart: '{"type":"bar"}' };
    t.setLocal({ ...t.local(), settings: chart });
    t.sync.server({ ...r(2, 'select 2'), settings: {} });
    assert.equal(t.conflicts.length, 0);
    assert.deepEqual(t.local(), { ...c('select 2'), settings: chart });
    t.sync.changed(true);
    assert.equal(t.sent.length, 1);
    assert.equal(t.sent[0]!.rev, 2);
    assert.deepEqual(t.sent[0]!.fields, { settings: chart });
    t.sent[0]!.resolve({ rev: 3 });
    await tick();
    assert.equal(t.sync.pending, false);
  });

  test('both changing the settings is a conflict; the same settings are no change', () => {
    assert.equal(decide({ ...r(1, 'a'), settings: { view: 'table' } }, { ...c('a'), settings: { view: 'chart' } }, { ...r(2, 'a'), settings: { view: 'chart', chart: 'x' } }), 'conflict');
    assert.deepEqual(changedFields({ ...c('a'), settings: {} }, c('a')), {});
    assert.deepEqual(changedFields(c('a'), { ...c('a'), settings: { view: 'chart' } }), { settings: { view: 'chart' } });
  });

  test('language changes are sent at once', () => {
    const t = setup();
    t.sync.changed(true);
    assert.equal(t.sent.length, 0, 'nothing changed, nothing sent');
  });
});
