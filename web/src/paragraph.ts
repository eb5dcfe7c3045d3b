// One paragraph on the page: header (title, language, run controls, status), the CodeMirror
// editor, a conflict notice when the server refused our text, and the outputs.

import { h, setText } from './dom';
import { createEditor, type Editor, type KernelCompletion } from './editor';
import { type Content, type EditFields, ParagraphSync, type Revised } from './editsync';
import { OutputsView } from './outputs';
import { errorText, type RequestError } from './protocol';
import { elapsedAt, formatElapsed, isActive, type Paragraph } from './state';
import { pageLimit } from './table';
import { LANGS, type Output, type Requests } from './types';

export interface ParagraphContext {
  edit(id: string, rev: number, fields: EditFields): Promise<{ rev: number }>;
  page(req: Requests['page']['req']): Promise<{ rows: unknown[][] }>;
  /** run flushes this paragraph's edits and runs it. */
  run(id: string): void;
  cancel(id: string): void;
  /** complete asks the notebook's kernel for lang for completions. */
  complete(lang: string, text: string, pos: number): Promise<KernelCompletion | null>;
  /** runAbove runs every paragraph above this one, in order. */
  runAbove(id: string): void;
  move(id: string, delta: number): void;
  remove(id: string): void;
  /** insert adds a paragraph at index. */
  insert(index: number, lang: string): void;
  /** latest is the server's newest copy of paragraph id. */
  latest(id: string): Paragraph | undefined;
  toast(message: string): void;
  /** focused tells that this paragraph's editor got the focus. */
  focused(id: string): void;
}

function revised(p: Paragraph): Revised {
  return { text: p.text, lang: p.lang, title: p.title, rev: p.rev };
}

export class ParagraphView {
  readonly id: string;
  /** wrap holds the insert gap above the paragraph and the paragraph itself. */
  readonly wrap: HTMLElement;
  readonly el: HTMLElement;
  readonly sync: ParagraphSync;
  private p: Paragraph;
  private index = 0;
  private editor: Editor;
  private editorWrap: HTMLElement;
  private outputs: OutputsView;
  private langSel: HTMLSelectElement;
  private titleInput: HTMLInputElement;
  private statusEl: HTMLElement;
  private elapsedEl: HTMLElement;
  private runBtn: HTMLButtonElement;
  private cancelBtn: HTMLButtonElement;
  private upBtn: HTMLButtonElement;
  private downBtn: HTMLButtonElement;
  private conflictEl: HTMLElement | null = null;
  private extra = new Map<string, unknown[][]>();
  /** for markdown: the editor is open (otherwise the rendered html stands in for it) */
  private mdEditing: boolean;
  private seenRunId: number;
  private collapseOnFinish = false;
  private shownRun: Paragraph['run'] | undefined = undefined;

  constructor(
    p: Paragraph,
    private ctx: ParagraphContext,
  ) {
    this.id = p.id;
    this.p = p;
    this.seenRunId = p.run?.runId ?? 0;
    this.mdEditing = !(p.run?.status === 'FINISHED' && p.run.outputs.some((o) => o?.type === 'html'));

    this.langSel = h(
      'select',
      { class: 'lang-select', testid: 'lang-select', 'aria-label': 'Language', title: 'Language' },
      ...LANGS.map((l) => h('option', { value: l.value }, l.label)),
    );
    this.setLangOption(p.lang);
    this.langSel.addEventListener('change', () => {
      this.applyLang(this.langSel.value);
      this.sync.changed(true);
    });

    this.titleInput = h('input', { type: 'text', class: 'para-title', testid: 'title', placeholder: 'Untitled', 'aria-label': 'Title', maxlength: 200 });
    this.titleInput.value = p.title;
    this.titleInput.addEventListener('input', () => this.sync.changed());
    this.titleInput.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        this.sync.flush();
        this.editor.focus();
      }
    });

    const btn = (testid: string, label: string, title: string, onclick: () => void, cls = 'icon') =>
      h('button', { type: 'button', class: `btn ${cls}`, testid, title, 'aria-label': title, onclick }, label);
    this.runBtn = btn('run', '▶ Run', 'Run (Shift-Enter)', () => this.run(), 'run');
    this.cancelBtn = btn('cancel', '■', 'Cancel', () => ctx.cancel(this.id));
    const aboveBtn = btn('run-above', '⤒', 'Run all paragraphs above', () => ctx.runAbove(this.id));
    this.upBtn = btn('move-up', '↑', 'Move up', () => ctx.move(this.id, -1));
    this.downBtn = btn('move-down', '↓', 'Move down', () => ctx.move(this.id, +1));
    const delBtn = btn('delete-paragraph', '✕', 'Delete paragraph', () => ctx.remove(this.id), 'icon danger');

    this.statusEl = h('span', { class: 'status', testid: 'status' });
    this.elapsedEl = h('span', { class: 'elapsed', testid: 'elapsed' });

    const head = h(
      'div',
      { class: 'para-head' },
      this.titleInput,
      h('span', { class: 'spacer' }),
      this.statusEl,
      this.elapsedEl,
      this.langSel,
      h('span', { class: 'btn-group' }, this.runBtn, this.cancelBtn, aboveBtn, this.upBtn, this.downBtn, delBtn),
    );

    this.editorWrap = h('div', { class: 'editor-wrap' });
    this.editor = createEditor({
      parent: this.editorWrap,
      text: p.text,
      lang: p.lang,
      onChange: () => this.sync.changed(),
      onRun: () => this.run(),
      onFocus: () => ctx.focused(this.id),
      onBlur: () => this.sync.flush(),
      complete: (text, pos) => ctx.complete(this.langSel.value, text, pos),
    });

    this.outputs = new OutputsView({
      extraRows: (rid) => this.extra.get(rid) ?? [],
      more: (o) => this.more(o),
      gotoError: (line, col) => {
        this.openEditor();
        this.editor.goto(line, col);
      },
    });
    this.outputs.el.addEventListener('dblclick', () => {
      if (this.p.lang === 'md' && !this.mdEditing) {
        this.openEditor();
        this.editor.focus();
      }
    });

    this.el = h('section', { class: 'paragraph', testid: 'paragraph', 'data-id': p.id }, head, this.editorWrap, this.outputs.el);
    this.el.addEventListener('focusin', () => this.el.classList.add('focused'));
    this.el.addEventListener('focusout', () => this.el.classList.remove('focused'));

    const gap = h(
      'div',
      { class: 'gap' },
      h(
        'button',
        {
          type: 'button',
          class: 'gap-btn',
          testid: 'insert-paragraph',
          title: 'Insert a paragraph here',
          onclick: () => ctx.insert(this.index, this.p.lang === 'md' ? 'sql' : this.p.lang),
        },
        '+',
      ),
    );
    this.wrap = h('div', { class: 'cell' }, gap, this.el);

    this.sync = new ParagraphSync(revised(p), {
      getLocal: () => this.local(),
      setLocal: (c) => this.setLocal(c),
      sendEdit: (rev, fields) => ctx.edit(this.id, rev, fields),
      latest: () => {
        const q = ctx.latest(this.id);
        return q ? revised(q) : undefined;
      },
      conflict: (refused, server) => this.showConflict(refused, server),
      error: (err) => ctx.toast(`Edit not saved: ${errorText(err)}`),
      setTimer: (fn, ms) => window.setTimeout(fn, ms),
      clearTimer: (t) => window.clearTimeout(t as number),
    });
    this.update(p, 0, 1);
  }

  local(): Content {
    return { text: this.editor.getText(), lang: this.langSel.value, title: this.titleInput.value };
  }

  private setLocal(c: Content): void {
    this.editor.setText(c.text);
    if (c.lang !== this.langSel.value) this.applyLang(c.lang);
    if (this.titleInput.value !== c.title) this.titleInput.value = c.title;
  }

  private setLangOption(lang: string): void {
    if (![...this.langSel.options].some((o) => o.value === lang)) this.langSel.appendChild(h('option', { value: lang }, lang));
    this.langSel.value = lang;
  }

  private applyLang(lang: string): void {
    this.setLangOption(lang);
    this.editor.setLang(lang);
    this.el.dataset['lang'] = lang;
    this.refreshMarkdown();
  }

  /** update shows the state of p (run status, outputs, position); content goes through sync. */
  update(p: Paragraph, index: number, count: number): void {
    this.p = p;
    this.index = index;
    this.el.dataset['lang'] = this.langSel.value;
    this.upBtn.disabled = index === 0;
    this.downBtn.disabled = index >= count - 1;

    const run = p.run;
    const status = run?.status ?? '';
    this.el.dataset['status'] = status;
    setText(this.statusEl, status);
    this.statusEl.className = `status status-${status.toLowerCase() || 'idle'}`;
    this.cancelBtn.disabled = !isActive(run?.status);
    this.elapsedEl.title = run?.startedAt ? `started ${new Date(run.startedAt).toLocaleString()}` : '';
    this.tick(Date.now());

    if (run && run.runId !== this.seenRunId && run.status === 'FINISHED') {
      this.seenRunId = run.runId;
      if (this.collapseOnFinish || !this.editor.hasFocus()) this.mdEditing = false;
      this.collapseOnFinish = false;
    } else if (run && !isActive(run.status) && run.runId !== this.seenRunId) {
      this.seenRunId = run.runId;
      this.collapseOnFinish = false;
    }
    // A rendered markdown paragraph keeps its html while it re-runs, instead of flashing its source.
    const keepRendered = this.langSel.value === 'md' && !this.mdEditing && isActive(run?.status) && !run?.outputs.some(Boolean) && !run?.error;
    if (run !== this.shownRun && !keepRendered) {
      this.shownRun = run;
      this.outputs.update(run);
    }
    this.refreshMarkdown();
  }

  /** tick refreshes the elapsed time (live while running). */
  tick(now: number): void {
    const run = this.p.run;
    const text = run && run.status !== 'PENDING' && (run.startedAt || run.elapsedMs || run.status === 'RUNNING') ? formatElapsed(elapsedAt(run, now)) : '';
    setText(this.elapsedEl, text);
  }

  get running(): boolean {
    return this.p.run?.status === 'RUNNING';
  }

  /** serverContent takes a `paragraph` event's content. */
  serverContent(p: Paragraph): void {
    this.sync.server(revised(p));
  }

  /** reconnected takes the snapshot's content after (re)connecting. */
  reconnected(p: Paragraph): void {
    this.sync.reconnected(revised(p));
  }

  private refreshMarkdown(): void {
    const collapsed = this.langSel.value === 'md' && !this.mdEditing && this.outputs.hasHTML();
    this.el.classList.toggle('md-collapsed', collapsed);
    this.editorWrap.hidden = collapsed;
    this.outputs.el.title = collapsed ? 'Double-click to edit' : '';
  }

  private openEditor(): void {
    this.mdEditing = true;
    this.refreshMarkdown();
  }

  focus(): void {
    this.openEditor();
    this.editor.focus();
  }

  /** lang is the paragraph's language as the editor has it (local changes included). */
  get lang(): string {
    return this.langSel.value;
  }

  /** insert puts text at the editor's cursor (replacing the selection) and focuses it. */
  insert(text: string): void {
    this.openEditor();
    this.editor.insert(text);
  }

  run(): void {
    if (this.langSel.value === 'md') this.collapseOnFinish = true;
    this.ctx.run(this.id);
  }

  private async more(o: Output): Promise<void> {
    const rid = o.resultId;
    if (!rid) return;
    const have = (o.rows?.length ?? 0) + (this.extra.get(rid)?.length ?? 0);
    try {
      const ack = await this.ctx.page({ resultId: rid, offset: have, limit: pageLimit(o.rows?.length ?? 0) });
      const rows = Array.isArray(ack.rows) ? ack.rows : [];
      this.extra.set(rid, [...(this.extra.get(rid) ?? []), ...rows]);
      this.outputs.update(this.p.run, rid);
    } catch (err) {
      this.ctx.toast(`Could not load more rows: ${errorText(err as RequestError)}`);
      throw err;
    }
  }

  private showConflict(refused: Content, server: Revised): void {
    this.conflictEl?.remove();
    const reapply = h('button', { type: 'button', class: 'btn small primary', testid: 'reapply' }, 'Re-apply mine');
    const dismiss = h('button', { type: 'button', class: 'btn small', testid: 'dismiss-conflict' }, 'Dismiss');
    const what = [refused.text !== server.text ? 'text' : '', refused.lang !== server.lang ? 'language' : '', refused.title !== server.title ? 'title' : '']
      .filter(Boolean)
      .join(', ');
    const el = h(
      'div',
      { class: 'conflict', testid: 'conflict', role: 'alert' },
      h(
        'div',
        { class: 'conflict-head' },
        h('strong', {}, 'Someone else changed this paragraph.'),
        ` Your ${what || 'change'} was not saved; the editor now shows theirs.`,
        h('span', { class: 'spacer' }),
        reapply,
        dismiss,
      ),
      h('pre', { class: 'conflict-text', testid: 'conflict-text' }, refused.text),
    );
    reapply.addEventListener('click', () => {
      el.remove();
      if (this.conflictEl === el) this.conflictEl = null;
      this.openEditor();
      this.setLocal(refused);
      this.sync.changed(true);
    });
    dismiss.addEventListener('click', () => {
      el.remove();
      if (this.conflictEl === el) this.conflictEl = null;
    });
    this.conflictEl = el;
    this.el.insertBefore(el, this.editorWrap);
  }

  destroy(): void {
    this.sync.dispose();
    this.editor.destroy();
    this.wrap.remove();
  }
}
