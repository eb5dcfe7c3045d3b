import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backoffDelay, Connection, type ConnState, DISCONNECTED, parseBinaryFrame, Pending, RequestError, type SocketLike } from './protocol';
import type { ServerEvent } from './types';

describe('Pending', () => {
  test('matches acks and errors by req, once', async () => {
    const p = new Pending();
    const a = p.open('edit');
    const b = p.open('run');
    assert.notEqual(a.req, b.req);
    assert.equal(p.size, 2);
    assert.equal(p.settle({ type: 'ack', req: b.req, runId: 7 } as never), true);
    assert.deepEqual(await b.promise, { runId: 7 });
    assert.equal(p.settle({ type: 'ack', req: b.req } as never), false, 'a duplicate answer is not matched');
    assert.equal(
      p.settle({ type: 'error', req: a.req, error: { code: 'conflict', message: 'changed', paragraph: { id: 'p', lang: 'sql', text: 't', rev: 4 } } } as never),
      true,
    );
    await assert.rejects(a.promise, (e: unknown) => e instanceof RequestError && e.code === 'conflict' && e.paragraph?.rev === 4);
    assert.equal(p.size, 0);
  });

  test('events are not answers', () => {
    const p = new Pending();
    p.open('x');
    assert.equal(p.settle({ type: 'status' }), false);
    assert.equal(p.settle({ type: 'ack' }), false);
    assert.equal(p.settle({ type: 'ack', req: 99 }), false);
  });

  test('failAll rejects everything waiting', async () => {
    const p = new Pending();
    const a = p.open('a');
    const b = p.open('b');
    p.failAll(new RequestError(DISCONNECTED, 'gone'));
    await assert.rejects(a.promise, { code: DISCONNECTED });
    await assert.rejects(b.promise, { code: DISCONNECTED });
    assert.equal(p.size, 0);
  });
});

test('backoff grows, is capped, and jitters', () => {
  assert.equal(backoffDelay(0, 500, 10_000, () => 1), 500);
  assert.equal(backoffDelay(1, 500, 10_000, () => 1), 1000);
  assert.equal(backoffDelay(3, 500, 10_000, () => 1), 4000);
  assert.equal(backoffDelay(30, 500, 10_000, () => 1), 10_000);
  assert.equal(backoffDelay(2, 500, 10_000, () => 0), 1000);
});

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  send(data: string) {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close() {
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  push(msg: unknown) {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
  drop() {
    this.readyState = 3;
    this.onclose?.({});
  }
}

function harness() {
  const sockets: FakeSocket[] = [];
  const timers: { fn: () => void; ms: number }[] = [];
  const events: ServerEvent[] = [];
  const states: ConnState[] = [];
  let drops = 0;
  const conn = new Connection({
    url: 'ws://x/ws/notebooks/n',
    onEvent: (e) => events.push(e),
    onState: (s) => states.push(s),
    onDisconnect: () => drops++,
    newSocket: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
    setTimer: (fn, ms) => {
      timers.push({ fn, ms });
      return timers.length;
    },
    clearTimer: () => {},
    backoff: (n) => 100 * 2 ** n,
  });
  return { conn, sockets, timers, events, states, drops: () => drops };
}

const snap = { type: 'notebook', notebook: { id: 'n', name: 'x', paragraphs: [] } };

describe('Connection', () => {
  test('is connected after the snapshot; requests carry op and req', async () => {
    const h = harness();
    h.conn.start();
    const s = h.sockets[0]!;
    s.open();
    await assert.rejects(h.conn.request('run', { id: 'p' }), { code: DISCONNECTED }, 'no requests before the snapshot');
    s.push(snap);
    assert.deepEqual(h.states, ['connected']);
    const r = h.conn.request('run', { id: 'p' });
    const sent = s.sent[0]!;
    assert.equal(sent['op'], 'run');
    assert.equal(sent['id'], 'p');
    s.push({ type: 'ack', req: sent['req'], runId: 3 });
    assert.deepEqual(await r, { runId: 3 });
    assert.equal(h.events.length, 1);
  });

  test('a drop fails pending requests and reconnects with backoff', async () => {
    const h = harness();
    h.conn.start();
    h.sockets[0]!.open();
    h.sockets[0]!.push(snap);
    const r = h.conn.request('edit', { id: 'p', rev: 1, text: 'x' });
    h.sockets[0]!.drop();
    await assert.rejects(r, { code: DISCONNECTED });
    assert.equal(h.drops(), 1);
    assert.equal(h.states.at(-1), 'reconnecting');
    assert.equal(h.timers[0]!.ms, 100);
    h.timers[0]!.fn();
    assert.equal(h.sockets.length, 2);
    h.sockets[1]!.drop(); // refused again
    assert.equal(h.timers[1]!.ms, 200);
    h.timers[1]!.fn();
    h.sockets[2]!.open();
    h.sockets[2]!.push(snap);
    assert.equal(h.states.at(-1), 'connected');
    h.sockets[2]!.drop();
    assert.equal(h.timers[2]!.ms, 100, 'backoff resets after a good connection');
  });

  test('whenLive waits for the snapshot after a reconnect, and fails when closed for good', async () => {
    const h = harness();
    h.conn.start();
    h.sockets[0]!.open();
    let live = false;
    const first = h.conn.whenLive().then(() => (live = true));
    await Promise.resolve();
    assert.equal(live, false, 'not live before the snapshot');
    h.sockets[0]!.push(snap);
    await first;
    await h.conn.whenLive(); // at once while connected

    h.sockets[0]!.drop();
    let runs = 0;
    const afterDrop = h.conn.whenLive().then(() => runs++);
    h.timers[0]!.fn();
    h.sockets[1]!.open();
    await Promise.resolve();
    assert.equal(runs, 0, 'the socket is open but the snapshot has not come');
    h.sockets[1]!.push(snap);
    await afterDrop;
    assert.equal(runs, 1);
    assert.equal(h.conn.connected, true, 'requests can be sent when it resolves');

    h.sockets[1]!.drop();
    const closed = h.conn.whenLive();
    h.conn.stop();
    await assert.rejects(closed, { code: DISCONNECTED });
    await assert.rejects(h.conn.whenLive(), { code: DISCONNECTED }, 'closed for good');
  });

  test('closed stops reconnecting', () => {
    const h = harness();
    h.conn.start();
    h.sockets[0]!.open();
    h.sockets[0]!.push(snap);
    h.sockets[0]!.push({ type: 'closed', reason: 'deleted' });
    assert.equal(h.states.at(-1), 'closed');
    assert.equal(h.timers.length, 0);
    assert.equal(h.events.at(-1)!.type, 'closed');
  });

  test('stale and malformed messages are ignored', () => {
    const h = harness();
    h.conn.start();
    h.sockets[0]!.open();
    h.sockets[0]!.push(snap);
    h.sockets[0]!.onmessage?.({ data: 'not json' });
    h.sockets[0]!.push({ type: 'ack', req: 42 });
    assert.equal(h.events.length, 1);
  });
});

/** frame builds a binary answer as the server sends it: length, JSON header, payload. */
function frame(header: unknown, payload: number[]): ArrayBuffer {
  const h = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(4 + h.length + payload.length);
  new DataView(out.buffer).setUint32(0, h.length, false);
  out.set(h, 4);
  out.set(payload, 4 + h.length);
  return out.buffer;
}

describe('binary frames', () => {
  test('parse into header and payload', () => {
    const f = parseBinaryFrame(frame({ type: 'ack', req: 3, matched: 10, offset: 0 }, [1, 2, 3]));
    assert.ok(f);
    assert.deepEqual(f.header, { type: 'ack', req: 3, matched: 10, offset: 0 });
    assert.deepEqual([...f.payload], [1, 2, 3]);
    const empty = parseBinaryFrame(frame({ type: 'ack', req: 1 }, []));
    assert.equal(empty?.payload.length, 0);
  });

  test('a view with an offset parses the same', () => {
    const raw = new Uint8Array(frame({ a: 1 }, [9]));
    const shifted = new Uint8Array(raw.length + 5);
    shifted.set(raw, 5);
    const f = parseBinaryFrame(shifted.subarray(5));
    assert.deepEqual(f?.header, { a: 1 });
    assert.deepEqual([...f!.payload], [9]);
  });

  test('malformed frames are null', () => {
    assert.equal(parseBinaryFrame(new ArrayBuffer(2)), null);
    const tooLong = new Uint8Array(8);
    new DataView(tooLong.buffer).setUint32(0, 100, false);
    assert.equal(parseBinaryFrame(tooLong), null);
    const notJSON = new Uint8Array([0, 0, 0, 2, 0x7b, 0x7b]);
    assert.equal(parseBinaryFrame(notJSON), null);
    const array = new Uint8Array([0, 0, 0, 2, 0x5b, 0x5d]);
    assert.equal(parseBinaryFrame(array), null);
  });

  test('a binary answer settles its request with the payload as arrow', async () => {
    const h = harness();
    h.conn.start();
    const s = h.sockets[0]!;
    s.open();
    s.push(snap);
    const r = h.conn.request('rows', { resultId: 'r1', offset: 0, limit: 100 });
    const req = s.sent[0]!['req'];
    s.onmessage?.({ data: frame({ type: 'ack', req, matched: 42, offset: 0 }, [7, 8]) });
    const ack = await r;
    assert.equal(ack.matched, 42);
    assert.deepEqual([...ack.arrow], [7, 8]);
    const e = h.conn.request('rows', { resultId: 'gone', offset: 0, limit: 100 });
    s.push({ type: 'error', req: s.sent[1]!['req'], error: { code: 'not_found', message: 'no result' } });
    await assert.rejects(e, { code: 'not_found' });
  });
});
