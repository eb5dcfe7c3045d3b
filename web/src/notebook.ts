// The notebook page: one websocket, the state it feeds, and the paragraph views kept in the
// state's order. Requests that fail are shown as toasts.

import { exportURL, resultDownloadURL } from './api';
import { CatalogPanel, sqlIdent } from './catalog';
import { HistoryPanel } from './history';
import { h, setText } from './dom';
import type { EditFields } from './editsync';
import { Connection, type ConnState, errorText } from './protocol';
import { ParagraphView } from './paragraph';
import { openShareDialog } from './sharedialog';
import { applyEvent, isActive, type NotebookState, type Paragraph } from './state';
import { toast } from './toast';
import type { ChartSpec, RowsRequest, ServerEvent } from './types';

/** socketURL is the notebook's websocket address on this page's host. */
export function socketURL(loc: { protocol: string; host: string }, id: string): string {
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}/ws/notebooks/${encodeURIComponent(id)}`;
}

export class NotebookApp {
  private state: NotebookState | null = null;
  private views = new Map<string, ParagraphView>();
  private readonly conn: Connection;
  private readonly cells: HTMLElement;
  private readonly nameEl: HTMLElement | null;
  private readonly connEl: HTMLElement | null;
  private readonly runAllBtn: HTMLButtonElement | null;
  private readonly restartBtn: HTMLButtonElement | null;
  private focusId: string | null = null;
  /** The paragraph whose editor had the focus last: catalog names are inserted there. */
  private editingId: string | null = null;
  private renaming = false;
  private banner: HTMLElement | null = null;
  /** Which paragraph runs and how many wait, next to Run all. */
  private runStatus: HTMLElement;

  constructor(
    private root: HTMLElement,
    private readonly id: string,
  ) {
    this.nameEl = document.querySelector('[data-testid="notebook-name"]');
    this.connEl = document.querySelector('[data-testid="connection"]');
    this.runAllBtn = document.querySelector('[data-testid="run-all"]');
    this.restartBtn = document.querySelector('[data-testid="restart-kernel"]');

    this.cells = h('div', { class: 'cells' });
    const addBtn = h('button', { type: 'button', class: 'btn add', testid: 'add-paragraph', title: 'Add a paragraph at the end (in the language of the last code paragraph)' }, '+ Add paragraph');
    addBtn.addEventListener('click', () => {
      const code = (this.state?.paragraphs ?? []).filter((p) => p.lang !== 'md');
      this.insert(-1, code[code.length - 1]?.lang ?? 'sql');
    });
    const endBar = h('div', { class: 'end-bar' }, addBtn, h('span', { class: 'hint' }, 'Shift-Enter runs a paragraph · a first line %sql, %go or %md sets its language'));
    root.replaceChildren(this.cells, endBar);

    this.conn = new Connection({
      url: socketURL(location, id),
      onEvent: (ev) => this.onEvent(ev),
      onState: (st) => this.onState(st),
      onDisconnect: () => {
        for (const v of this.views.values()) v.sync.disconnected();
      },
      onServerError: (err) => toast(errorText(err)),
    });

    this.runAllBtn?.addEventListener('click', () => void this.runAll());
    this.runStatus = h('button', { type: 'button', class: 'run-status', testid: 'run-status', hidden: true, title: 'Show the running paragraph' });
    this.runStatus.addEventListener('click', () => {
      const running = this.state?.paragraphs.find((p) => p.run?.status === 'RUNNING') ?? this.state?.paragraphs.find((p) => isActive(p.run?.status));
      if (running) this.views.get(running.id)?.el.scrollIntoView({ behavior: 'smooth', block: 'center' });
    });
    this.runAllBtn?.before(this.runStatus);
    const historyBtn = document.querySelector<HTMLButtonElement>('[data-testid="history"]');
    const catalogBtn = document.querySelector<HTMLButtonElement>('[data-testid="catalog"]');
    let history: HistoryPanel | null = null;
    let catalog: CatalogPanel | null = null;
    historyBtn?.addEventListener('click', () => {
      catalog?.hide();
      (history ??= new HistoryPanel(id)).toggle();
    });
    catalogBtn?.addEventListener('click', () => {
      history?.hide();
      (catalog ??= new CatalogPanel((name) => this.insertName(name))).toggle();
    });
    const exportSel = document.querySelector<HTMLSelectElement>('[data-testid="export"]');
    exportSel?.addEventListener('change', () => {
      if (exportSel.value) location.assign(exportURL(id, exportSel.value));
      exportSel.value = '';
    });
    const notes = sessionStorage.getItem(`lakebook-import-notes:${id}`);
    if (notes) {
      sessionStorage.removeItem(`lakebook-import-notes:${id}`);
      for (const n of JSON.parse(notes) as string[]) toast(`Import: ${n}`);
    }
    this.restartBtn?.addEventListener('click', () => this.call(this.conn.request('restart', {}), 'Restart failed'));
    this.setupRename();
    window.setInterval(() => this.tick(), 200);
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden') for (const v of this.views.values()) v.sync.flush();
    });
  }

  start(): void {
    this.conn.start();
  }

  private onState(st: ConnState): void {
    if (!this.connEl) return;
    setText(this.connEl, st);
    this.connEl.dataset['state'] = st;
  }

  private onEvent(ev: ServerEvent): void {
    this.state = applyEvent(this.state, ev, Date.now());
    const s = this.state;
    if (!s) return;
    switch (ev.type) {
      case 'notebook':
        this.root.querySelector('.loading')?.remove();
        this.render(true);
        this.showName();
        break;
      case 'paragraph': {
        this.render(false);
        const p = s.paragraphs.find((q) => q.id === ev.paragraph.id);
        if (p) this.views.get(p.id)?.serverContent(p);
        break;
      }
      case 'renamed':
        this.showName();
        break;
      case 'closed':
        this.showClosed(s.closed ?? 'the notebook was deleted');
        break;
      case 'kernel':
        toast(`The ${ev.lang === 'go' ? 'Go' : 'SQL'} kernel was restarted: ${ev.lang === 'go' ? 'its variables are gone' : 'its temp tables are gone'}`);
        break;
      default:
        this.render(false);
    }
  }

  /** render keeps one view per paragraph, in the state's order. */
  private render(snapshot: boolean): void {
    const s = this.state;
    if (!s) return;
    const ids = new Set(s.paragraphs.map((p) => p.id));
    for (const [id, v] of this.views) {
      if (ids.has(id)) continue;
      if (v.sync.pending) toast('A paragraph you were editing was deleted; your unsaved text is lost with it.');
      v.destroy();
      this.views.delete(id);
    }
    const n = s.paragraphs.length;
    s.paragraphs.forEach((p, i) => {
      let v = this.views.get(p.id);
      if (!v) {
        v = new ParagraphView(p, this.paragraphContext());
        this.views.set(p.id, v);
      } else if (snapshot) {
        v.reconnected(p);
      }
      v.update(p, i, n);
      const at = this.cells.children[i] ?? null;
      if (at !== v.wrap) this.cells.insertBefore(v.wrap, at);
      if (this.focusId === p.id) {
        this.focusId = null;
        v.focus();
      }
    });
    this.root.classList.toggle('empty', n === 0);
    this.showRuns();
  }

  /** showRuns numbers the PENDING paragraphs in queue order (runs are queued by run id; 1 runs
   * next) and
   * says next to Run all which paragraph runs and how many wait. */
  private showRuns(): void {
    const ps = this.state?.paragraphs ?? [];
    const pending = ps.filter((p) => p.run?.status === 'PENDING').sort((a, b) => (a.run?.runId ?? 0) - (b.run?.runId ?? 0));
    const running = ps.filter((p) => p.run?.status === 'RUNNING');
    const queue = new Map(pending.map((p, i) => [p.id, i + 1]));
    for (const [id, v] of this.views) v.setQueue(queue.get(id) ?? 0);
    const st = this.runStatus;
    if (running.length === 0 && pending.length === 0) {
      st.hidden = true;
      return;
    }
    const name = (p: Paragraph) => p.title || `paragraph ${ps.indexOf(p) + 1}`;
    const parts = [running.length === 1 ? `running ${name(running[0]!)}` : running.length > 1 ? `running ${running.length} paragraphs` : 'waiting'];
    if (pending.length > 0) parts.push(`${pending.length} pending`);
    setText(st, parts.join(' · '));
    st.dataset['running'] = running.map((p) => p.id).join(' ');
    st.dataset['pending'] = String(pending.length);
    st.hidden = false;
  }

  private paragraphContext() {
    return {
      edit: (id: string, rev: number, fields: EditFields) => this.conn.request('edit', { id, rev, ...fields }),
      rows: (req: RowsRequest) => this.conn.request('rows', req),
      summary: async (resultId: string) => (await this.conn.request('summary', { resultId })).columns ?? [],
      pivot: async (resultId: string, chart: ChartSpec) => (await this.conn.request('pivot', { resultId, chart })).pivot,
      downloadURL: (pid: string, format: string) => resultDownloadURL(this.id, pid, format),
      share: (pid: string, live: boolean, anchor: HTMLElement) => openShareDialog(this.id, pid, live, anchor),
      run: (id: string) => void this.run(id),
      cancel: (id: string) => this.call(this.conn.request('cancel', { id }), 'Cancel failed'),
      runAbove: (id: string) => void this.runAll(id),
      complete: async (lang: string, text: string, pos: number) => {
        if (lang === 'md' || !this.conn.connected) return null;
        try {
          return await this.conn.request('complete', { lang, text, pos });
        } catch {
          return null; // a completion that fails is just no completion
        }
      },
      move: (id: string, delta: number) => {
        const i = this.state?.paragraphs.findIndex((p) => p.id === id) ?? -1;
        if (i < 0) return;
        this.call(this.conn.request('move', { id, index: i + delta }), 'Move failed');
      },
      remove: (id: string) => this.call(this.conn.request('delete', { id }), 'Delete failed'),
      insert: (index: number, lang: string) => this.insert(index, lang),
      latest: (id: string): Paragraph | undefined => this.state?.paragraphs.find((p) => p.id === id),
      toast: (msg: string) => void toast(msg),
      focused: (id: string) => {
        this.editingId = id;
      },
    };
  }

  /** insertName puts a table or column name at the cursor of the paragraph edited last (the
   * last paragraph when none was), quoted as SQL needs in a SQL paragraph. */
  private insertName(name: string): void {
    const ps = this.state?.paragraphs ?? [];
    const v = (this.editingId ? this.views.get(this.editingId) : undefined) ?? this.views.get(ps[ps.length - 1]?.id ?? '');
    if (!v) {
      toast('Add a paragraph first: names are inserted into the paragraph being edited');
      return;
    }
    v.insert(v.lang === 'sql' ? sqlIdent(name) : name);
  }

  private call(p: Promise<unknown>, what: string): void {
    p.catch((err: unknown) => toast(`${what}: ${errorText(err)}`));
  }

  private insert(index: number, lang: string): void {
    this.conn.request('add', { index, lang, text: '' }).then(
      (ack) => {
        const v = this.views.get(ack.id);
        if (v) v.focus();
        else this.focusId = ack.id;
      },
      (err: unknown) => toast(`Add failed: ${errorText(err)}`),
    );
  }

  /** live waits until requests can be sent: a Run clicked while the socket reconnects runs
   * once it is back (as Jupyter queues executions while its kernel reconnects) instead of being
   * dropped. It resolves false when the notebook was closed meanwhile. */
  private async live(): Promise<boolean> {
    if (this.conn.connected) return true;
    toast('Not connected: it runs once the connection is back', 'info');
    try {
      await this.conn.whenLive();
      return true;
    } catch {
      return false;
    }
  }

  /** run sends the paragraph's pending edits, waits for their acks, then runs it. */
  private async run(id: string): Promise<void> {
    if (!(await this.live())) return;
    const v = this.views.get(id);
    if (!v) return;
    if (!(await v.sync.settle())) {
      toast(this.conn.connected ? 'Not run: the paragraph has unsaved changes (see the notice)' : 'Not run: not connected');
      return;
    }
    try {
      await this.conn.request('run', { id });
    } catch (err) {
      toast(`Run failed: ${errorText(err)}`);
    }
  }

  /** runAll runs every paragraph, or only those above `until`. */
  private async runAll(until?: string): Promise<void> {
    if (!(await this.live())) return;
    const results = await Promise.all([...this.views.values()].map((v) => v.sync.settle()));
    if (results.some((ok) => !ok)) {
      toast(this.conn.connected ? 'Not run: some paragraphs have unsaved changes' : 'Not run: not connected');
      return;
    }
    try {
      await this.conn.request('runAll', until ? { until } : {});
    } catch (err) {
      toast(`Run all failed: ${errorText(err)}`);
    }
  }

  private tick(): void {
    const now = Date.now();
    for (const v of this.views.values()) if (v.running) v.tick(now);
  }

  private showName(): void {
    const name = this.state?.name ?? '';
    document.title = `${name} · lakebook`;
    if (this.nameEl && !this.renaming) setText(this.nameEl, name);
  }

  /** The header name is editable in place: click (or focus) it, type, Enter saves, Escape
   * cancels, leaving it saves. */
  private setupRename(): void {
    const el = this.nameEl;
    if (!el) return;
    el.contentEditable = 'plaintext-only';
    if (el.contentEditable !== 'plaintext-only') el.contentEditable = 'true';
    el.spellcheck = false;
    el.setAttribute('role', 'textbox');
    el.setAttribute('aria-label', 'Notebook name');
    const selectAll = () => {
      const sel = window.getSelection();
      if (!sel) return;
      const r = document.createRange();
      r.selectNodeContents(el);
      sel.removeAllRanges();
      sel.addRange(r);
    };
    // Focusing the name selects it whole: at once from the keyboard, after the click (which
    // places a caret) from the mouse.
    let viaMouse = false;
    let selectOnClick = false;
    el.addEventListener('mousedown', () => {
      viaMouse = document.activeElement !== el;
    });
    el.addEventListener('focus', () => {
      this.renaming = true;
      el.classList.add('editing');
      if (viaMouse) selectOnClick = true;
      else selectAll();
      viaMouse = false;
    });
    el.addEventListener('click', () => {
      if (!selectOnClick) return;
      selectOnClick = false;
      if (window.getSelection()?.isCollapsed) selectAll();
    });
    let cancel = false;
    el.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        el.blur();
      } else if (e.key === 'Escape') {
        e.preventDefault();
        cancel = true;
        el.blur();
      }
    });
    el.addEventListener('blur', () => {
      this.renaming = false;
      el.classList.remove('editing');
      const commit = !cancel;
      cancel = false;
      const name = (el.textContent ?? '').replace(/\s+/g, ' ').trim();
      const old = this.state?.name ?? '';
      if (!commit || !name || name === old || !this.state) {
        this.showName();
        return;
      }
      setText(el, name);
      this.conn.request('rename', { name }).catch((err: unknown) => {
        toast(`Rename failed: ${errorText(err)}`);
        this.showName();
      });
    });
  }

  private showClosed(reason: string): void {
    this.onState('closed');
    if (this.banner) return;
    this.banner = h('div', { class: 'banner', testid: 'closed', role: 'alert' }, `This notebook is closed: ${reason}. `, h('a', { href: '/' }, 'Back to the notebooks'));
    this.root.prepend(this.banner);
    this.root.classList.add('closed');
  }
}
