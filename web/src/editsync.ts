// Keeping one paragraph's editor and the server in step: debounced edits carrying the rev they
// are based on, one edit in flight at a time, and what to do when the server's copy moved
// (adopt it, rebase our change on it, or show a conflict). Pure logic: the DOM and the socket
// are behind SyncHost.

import { isDisconnected, RequestError } from './protocol';

/** Content is the editable part of a paragraph. settings (the view, chart and form values)
 * travel like the rest; absent means none. */
export interface Content {
  text: string;
  lang: string;
  title: string;
  settings?: Record<string, string>;
}

/** Revised is content at a server revision. */
export interface Revised extends Content {
  rev: number;
}

export type EditFields = Partial<Content>;

const FIELDS = ['text', 'lang', 'title'] as const;

export function contentOf(c: Content): Content {
  const out: Content = { text: c.text, lang: c.lang, title: c.title };
  if (c.settings && Object.keys(c.settings).length > 0) out.settings = { ...c.settings };
  return out;
}

/** sameSettings compares two settings maps (absent is empty). */
export function sameSettings(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b ?? {}).length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && b![k] === a![k]);
}

export function sameContent(a: Content, b: Content): boolean {
  return a.text === b.text && a.lang === b.lang && a.title === b.title && sameSettings(a.settings, b.settings);
}

/** changedFields are the fields of local that differ from base (settings as a whole map). */
export function changedFields(base: Content, local: Content): EditFields {
  const out: EditFields = {};
  for (const k of FIELDS) if (local[k] !== base[k]) out[k] = local[k];
  if (!sameSettings(base.settings, local.settings)) out.settings = { ...(local.settings ?? {}) };
  return out;
}

export type Decision = 'ignore' | 'adopt' | 'rebase' | 'conflict';

/**
 * decide says what to do when the server's copy of a paragraph is `server` while the editor
 * holds `local`, written on top of `base`:
 *  - ignore: server is older than what we hold;
 *  - adopt: nothing of ours is pending (or the server already has it): show the server's copy;
 *  - rebase: our change touches only fields the server did not change (or the server's rev is
 *    our base's, e.g. it only normalized a `%lang` line): keep our change on top of server.rev;
 *  - conflict: both changed the same field.
 */
export function decide(base: Revised, local: Content, server: Revised): Decision {
  if (server.rev < base.rev) return 'ignore';
  if (sameContent(local, server)) return 'adopt';
  if (sameContent(local, base)) return 'adopt';
  if (server.rev === base.rev) return 'rebase';
  const mine = changedFields(base, local);
  for (const k of FIELDS) if (k in mine && server[k] !== base[k]) return 'conflict';
  if (mine.settings && !sameSettings(server.settings, base.settings)) return 'conflict';
  return 'rebase';
}

/** rebased is local's change on top of server. */
export function rebased(base: Content, local: Content, server: Content): Content {
  return { ...contentOf(server), ...changedFields(base, local) };
}

export interface SyncHost {
  /** getLocal is what the editor holds now. */
  getLocal(): Content;
  /** setLocal replaces what the editor holds (without counting as a local change). */
  setLocal(c: Content): void;
  /** sendEdit sends an `edit` request and resolves with its ack. */
  sendEdit(rev: number, fields: EditFields): Promise<{ rev: number }>;
  /** latest is the newest copy of the paragraph the server sent, if any. */
  latest(): Revised | undefined;
  /** conflict: the server refused (or would refuse) `refused`; the editor now shows `server`. */
  conflict(refused: Content, server: Revised): void;
  /** error shows a failed edit that was not a conflict. */
  error(err: unknown): void;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(h: unknown): void;
}

export const DEBOUNCE_MS = 300;

/** ParagraphSync tracks one paragraph: base is the server copy the editor's text builds on. */
export class ParagraphSync {
  base: Revised;
  private inflight: Promise<void> | null = null;
  /** content sent by an edit whose answer was lost with the connection */
  private unanswered: Content | null = null;
  private timer: unknown = null;
  private online = true;
  /** counts conflicts and failures, so settle can tell whether its edits went through */
  private failures = 0;
  debounceMs = DEBOUNCE_MS;

  constructor(
    base: Revised,
    private host: SyncHost,
  ) {
    this.base = { ...contentOf(base), rev: base.rev };
  }

  /** pending reports whether the editor holds a change the server has not acknowledged. */
  get pending(): boolean {
    return this.inflight !== null || !sameContent(this.host.getLocal(), this.base);
  }

  get busy(): boolean {
    return this.inflight !== null;
  }

  /** changed is called on every local change; immediate skips the debounce (language). */
  changed(immediate = false): void {
    this.clear();
    if (immediate) this.send();
    else
      this.timer = this.host.setTimer(() => {
        this.timer = null;
        this.send();
      }, this.debounceMs);
  }

  /** flush sends a pending change now. */
  flush(): void {
    this.clear();
    this.send();
  }

  /** settle sends pending changes and waits for their acks. It resolves true when the editor's
   * content is on the server, false after a conflict, a failure, or while disconnected. */
  async settle(): Promise<boolean> {
    const failures = this.failures;
    for (let i = 0; i < 20; i++) {
      this.clear();
      if (this.inflight) {
        await this.inflight;
        continue;
      }
      if (this.failures !== failures) return false;
      if (sameContent(this.host.getLocal(), this.base)) return true;
      if (!this.online) return false;
      this.send();
      if (!this.inflight) return false;
    }
    return false;
  }

  /** server takes a newer copy from the server (a `paragraph` event, or the snapshot). */
  server(p: Revised): void {
    if (this.inflight) return; // decided when the answer comes
    if (this.unanswered && p.rev > this.base.rev && sameContent(p, this.unanswered)) {
      // the edit whose answer we lost was applied
      this.base = { ...contentOf(p), rev: p.rev };
    }
    this.unanswered = null;
    const local = this.host.getLocal();
    switch (decide(this.base, local, p)) {
      case 'ignore':
        return;
      case 'adopt':
        this.clear();
        this.base = { ...contentOf(p), rev: p.rev };
        if (!sameContent(local, p)) this.host.setLocal(contentOf(p));
        return;
      case 'rebase': {
        const next = rebased(this.base, local, p);
        this.base = { ...contentOf(p), rev: p.rev };
        if (!sameContent(local, next)) this.host.setLocal(next);
        if (this.timer === null) this.send();
        return;
      }
      case 'conflict':
        this.conflictWith(local, p);
        return;
    }
  }

  /** disconnected: edits wait until the snapshot after the reconnect. */
  disconnected(): void {
    this.online = false;
    this.clear();
  }

  /** reconnected takes the snapshot's copy after a reconnect and re-sends what is pending. */
  reconnected(p: Revised): void {
    this.online = true;
    this.server(p);
  }

  dispose(): void {
    this.clear();
    this.online = false;
  }

  private clear(): void {
    if (this.timer !== null) this.host.clearTimer(this.timer);
    this.timer = null;
  }

  private conflictWith(refused: Content, p: Revised): void {
    this.clear();
    this.failures++;
    this.base = { ...contentOf(p), rev: p.rev };
    this.host.setLocal(contentOf(p));
    this.host.conflict(contentOf(refused), { ...this.base });
  }

  private send(): void {
    if (this.inflight || !this.online) return;
    const fields = changedFields(this.base, this.host.getLocal());
    if (Object.keys(fields).length === 0) return;
    const sent: Content = { ...contentOf(this.base), ...fields };
    this.inflight = this.host.sendEdit(this.base.rev, fields).then(
      (ack) => {
        this.inflight = null;
        this.base = { ...sent, rev: typeof ack.rev === 'number' ? ack.rev : this.base.rev + 1 };
        const latest = this.host.latest();
        if (latest && latest.rev >= this.base.rev) this.server(latest);
        if (this.timer === null && this.online && !sameContent(this.host.getLocal(), this.base)) this.send();
      },
      (err: unknown) => {
        this.inflight = null;
        if (err instanceof RequestError && err.code === 'conflict' && err.paragraph) {
          const p = err.paragraph;
          const server: Revised = { ...contentOf({ text: p.text ?? '', lang: p.lang, title: p.title ?? '', settings: p.settings ?? {} }), rev: p.rev };
          this.conflictWith(this.host.getLocal(), server);
        } else if (isDisconnected(err)) {
          this.unanswered = sent;
        } else {
          this.failures++;
          this.host.error(err);
        }
      },
    );
  }
}
