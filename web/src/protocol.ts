// The websocket client of docs/protocol.md: numbered requests matched to their ack or error
// (JSON text frames, or a binary frame of JSON header and Arrow rows), events passed on, and
// reconnection with backoff after the socket drops.

import type { AckMessage, ErrorMessage, Op, ParagraphData, Requests, ServerEvent } from './types';

/** RequestError is a refused or failed request; code is the server's error code, or
 * "disconnected" when the socket was not open or dropped before the answer came. */
export class RequestError extends Error {
  readonly code: string;
  readonly paragraph: ParagraphData | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  constructor(code: string, message: string, extra: { paragraph?: ParagraphData; line?: number; column?: number } = {}) {
    super(message);
    this.name = 'RequestError';
    this.code = code;
    this.paragraph = extra.paragraph;
    this.line = extra.line;
    this.column = extra.column;
  }
}

export const DISCONNECTED = 'disconnected';

export function isDisconnected(err: unknown): boolean {
  return err instanceof RequestError && err.code === DISCONNECTED;
}

/** errorText is a one-line message for showing any error to the user. */
export function errorText(err: unknown): string {
  if (err instanceof RequestError) return err.code === DISCONNECTED ? 'Not connected to the server' : `${err.message} (${err.code})`;
  if (err instanceof Error) return err.message;
  return String(err);
}

interface Waiter {
  op: string;
  resolve(v: Record<string, unknown>): void;
  reject(e: RequestError): void;
}

/** Pending is the request/ack bookkeeping: it numbers requests and settles each exactly once. */
export class Pending {
  private next = 1;
  private waiting = new Map<number, Waiter>();

  /** open numbers a new request and returns its number and the promise of its answer. */
  open(op: string): { req: number; promise: Promise<Record<string, unknown>> } {
    const req = this.next++;
    const promise = new Promise<Record<string, unknown>>((resolve, reject) => {
      this.waiting.set(req, { op, resolve, reject });
    });
    return { req, promise };
  }

  /** settle resolves or rejects the request msg answers; it returns false when msg is not an
   * answer to a waiting request (an event, or a duplicate or unknown req). */
  settle(msg: { type?: unknown; req?: unknown }): boolean {
    if ((msg.type !== 'ack' && msg.type !== 'error') || typeof msg.req !== 'number') return false;
    const w = this.waiting.get(msg.req);
    if (!w) return false;
    this.waiting.delete(msg.req);
    if (msg.type === 'ack') {
      const { type: _t, req: _r, ...rest } = msg as AckMessage;
      w.resolve(rest);
    } else {
      const e = (msg as ErrorMessage).error ?? { code: 'internal', message: 'unknown error' };
      w.reject(
        new RequestError(e.code || 'internal', e.message || e.code || 'error', {
          ...(e.paragraph ? { paragraph: e.paragraph } : {}),
          ...(e.line ? { line: e.line } : {}),
          ...(e.column ? { column: e.column } : {}),
        }),
      );
    }
    return true;
  }

  /** cancel fails one request (it could not be sent). */
  cancel(req: number, err: RequestError): void {
    const w = this.waiting.get(req);
    if (!w) return;
    this.waiting.delete(req);
    w.reject(err);
  }

  /** failAll fails every waiting request, as when the socket drops. */
  failAll(err: RequestError): void {
    const all = [...this.waiting.values()];
    this.waiting.clear();
    for (const w of all) w.reject(err);
  }

  get size(): number {
    return this.waiting.size;
  }
}

/** backoffDelay is the wait before reconnect attempt n (0-based): exponential from base to max,
 * with jitter in [50%, 100%] so many clients do not reconnect in step. */
export function backoffDelay(attempt: number, base = 500, max = 10_000, rand: () => number = Math.random): number {
  const d = Math.min(max, base * 2 ** Math.min(attempt, 20));
  return Math.round(d * (0.5 + rand() / 2));
}

/** parseBinaryFrame splits a binary message: a 4-byte big-endian length N, N bytes of JSON
 * header, then the payload (an Arrow IPC stream for `rows`). It returns null for a frame that
 * does not parse. The payload is a view into data, not a copy. */
export function parseBinaryFrame(data: ArrayBuffer | Uint8Array): { header: Record<string, unknown>; payload: Uint8Array } | null {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (bytes.byteLength < 4) return null;
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, false);
  if (4 + n > bytes.byteLength) return null;
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + n)));
  } catch {
    return null;
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) return null;
  return { header: header as Record<string, unknown>, payload: bytes.subarray(4 + n) };
}

export type ConnState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

/** SocketLike is the part of WebSocket the client uses (a fake in tests). */
export interface SocketLike {
  readonly readyState: number;
  /** Binary frames (rows as Arrow) must arrive as ArrayBuffers. */
  binaryType?: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export interface ConnectionOptions {
  url: string;
  onEvent(ev: ServerEvent): void;
  onState(state: ConnState): void;
  /** onDisconnect runs after a drop, once waiting requests have failed. */
  onDisconnect?(): void;
  /** onServerError gets an error message that answers no request. */
  onServerError?(err: RequestError): void;
  newSocket?(url: string): SocketLike;
  setTimer?(fn: () => void, ms: number): unknown;
  clearTimer?(h: unknown): void;
  backoff?(attempt: number): number;
}

const OPEN = 1;

/** Connection keeps one websocket to a notebook open. The state becomes "connected" when the
 * first `notebook` snapshot after opening arrives (the state is complete from then on). */
export class Connection {
  private sock: SocketLike | null = null;
  private pending = new Pending();
  private attempt = 0;
  private timer: unknown = null;
  private stopped = false;
  private live = false;
  /** Callers of whenLive waiting for the next snapshot. */
  private liveWaiters: { resolve(): void; reject(e: RequestError): void }[] = [];
  state: ConnState = 'connecting';
  private readonly o: Required<Omit<ConnectionOptions, 'onDisconnect' | 'onServerError'>> &
    Pick<ConnectionOptions, 'onDisconnect' | 'onServerError'>;

  constructor(opts: ConnectionOptions) {
    this.o = {
      newSocket: (url) => new WebSocket(url) as unknown as SocketLike,
      setTimer: (fn, ms) => setTimeout(fn, ms),
      clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
      backoff: (n) => backoffDelay(n),
      ...opts,
    };
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  /** stop closes the socket for good and fails what is waiting. */
  stop(state: ConnState = 'closed'): void {
    this.stopped = true;
    if (this.timer !== null) this.o.clearTimer(this.timer);
    this.timer = null;
    const s = this.sock;
    this.sock = null;
    if (s) {
      s.onclose = s.onmessage = s.onerror = s.onopen = null;
      try {
        s.close();
      } catch {
        /* already closed */
      }
    }
    this.live = false;
    this.pending.failAll(new RequestError(DISCONNECTED, 'connection closed'));
    const waiters = this.liveWaiters;
    this.liveWaiters = [];
    for (const w of waiters) w.reject(new RequestError(DISCONNECTED, 'connection closed'));
    this.setState(state);
  }

  /** connected reports whether requests can be sent now. */
  get connected(): boolean {
    return this.live && this.sock !== null && this.sock.readyState === OPEN;
  }

  /** whenLive resolves when requests can be sent: at once when connected, else once the
   * snapshot after the reconnect has been handled. It rejects when the connection is closed for
   * good (the notebook was deleted), so an action taken while the socket is down waits for it
   * instead of being dropped. */
  whenLive(): Promise<void> {
    if (this.connected) return Promise.resolve();
    if (this.stopped) return Promise.reject(new RequestError(DISCONNECTED, 'connection closed'));
    return new Promise((resolve, reject) => this.liveWaiters.push({ resolve, reject }));
  }

  /** request sends op and resolves with the ack's fields, or rejects with a RequestError. */
  request<K extends Op>(op: K, fields: Requests[K]['req']): Promise<Requests[K]['ack']> {
    const { req, promise } = this.pending.open(op);
    const s = this.sock;
    if (!s || s.readyState !== OPEN || !this.live) {
      this.pending.cancel(req, new RequestError(DISCONNECTED, 'not connected'));
    } else {
      try {
        s.send(JSON.stringify({ ...fields, op, req }));
      } catch {
        this.pending.cancel(req, new RequestError(DISCONNECTED, 'send failed'));
      }
    }
    return promise as Promise<Requests[K]['ack']>;
  }

  private setState(st: ConnState): void {
    if (this.state === st) return;
    this.state = st;
    this.o.onState(st);
  }

  private connect(): void {
    this.timer = null;
    if (this.stopped) return;
    let s: SocketLike;
    try {
      s = this.o.newSocket(this.o.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.sock = s;
    if ('binaryType' in s) s.binaryType = 'arraybuffer';
    s.onmessage = (ev) => this.receive(ev.data);
    s.onclose = () => this.dropped(s);
    s.onerror = () => {
      /* onclose follows */
    };
  }

  private receive(data: unknown): void {
    if (data instanceof ArrayBuffer || data instanceof Uint8Array) {
      // A binary answer (rows): its header settles the request, with the payload as `arrow`.
      const f = parseBinaryFrame(data);
      if (f) this.pending.settle({ ...f.header, arrow: f.payload } as { type?: unknown; req?: unknown });
      return;
    }
    if (typeof data !== 'string') return;
    let msg: { type?: unknown; req?: unknown };
    try {
      msg = JSON.parse(data) as { type?: unknown; req?: unknown };
    } catch {
      return;
    }
    if (!msg || typeof msg !== 'object') return;
    if (this.pending.settle(msg)) return;
    if (msg.type === 'ack' || (msg.type === 'error' && msg.req !== undefined)) return; // stale answer
    if (msg.type === 'error') {
      // an error tied to no request: the protocol defines none, but show it rather than drop it
      const e = (msg as ErrorMessage).error;
      this.o.onServerError?.(new RequestError(e?.code ?? 'internal', e?.message ?? 'server error'));
      return;
    }
    const ev = msg as ServerEvent;
    if (ev.type === 'notebook') {
      this.live = true;
      this.attempt = 0;
    }
    this.o.onEvent(ev);
    if (ev.type === 'notebook') {
      this.setState('connected');
      const waiters = this.liveWaiters;
      this.liveWaiters = [];
      for (const w of waiters) w.resolve();
    }
    if (ev.type === 'closed') this.stop('closed');
  }

  private dropped(s: SocketLike): void {
    if (s !== this.sock) return;
    this.sock = null;
    this.live = false;
    this.pending.failAll(new RequestError(DISCONNECTED, 'connection lost'));
    this.o.onDisconnect?.();
    if (this.stopped) return;
    this.setState('reconnecting');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.timer !== null) return;
    const d = this.o.backoff(this.attempt++);
    this.timer = this.o.setTimer(() => this.connect(), d);
  }
}
