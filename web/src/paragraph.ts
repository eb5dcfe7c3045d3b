// One paragraph on the page: header (title, language, run controls, status), its dynamic
// forms, the CodeMirror editor, a conflict notice when the server refused our change, and the
// outputs.

import { h, setText } from './dom';
import { createEditor, type Editor, type KernelCompletion } from './editor';
import { type Content, type EditFields, ParagraphSync, type Revised, sameSettings } from './editsync';
import { type FormValue, FormsView, withFormValue } from './forms';
import { OutputsView } from './outputs';
import { errorText } from './protocol';
import { elapsedAt, formatElapsed, isActive, type Paragraph } from './state';
import { LANGS, type ChartSpec, type ColumnSummary, type PivotResult, type Requests, type RowsRequest } from './types';

export interface ParagraphContext {
  edit(id: string, rev: number, fields: EditFields): Promise<{ rev: number }>;
  rows(req: RowsRequest): Promise<Requests['rows']['ack']>;
  summary(resultId: string): Promise<ColumnSummary[]>;
  pivot(resultId: string, chart: ChartSpec): Promise<PivotResult>;
  /** downloadURL is where paragraph id's latest table result downloads in format. */
  downloadURL(id: string, format: string): string;
  /** share opens the share dialog for paragraph id; live says a live link may be made. */
  share(id: string, live: boolean, anchor: HTMLElement): void;
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
  return { text: p.text, lang: p.lang, title: p.title, settings: p.settings, rev: p.rev };
}

/** ordinal is 1st, 2nd, 3rd, 4th, … 11th, 12th, 13th, 21st. */
export function ordinal(n: number): string {
  const t = n % 100;
  const s = t >= 11 && t <= 13 ? 'th' : ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th';
  return `${n}${s}`;
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
  private restoredEl: HTMLElement;
  private forms: FormsView;
  /** The settings as this page holds them (saved through sync like the text). */
  private settings: Record<string, string>;
  /** Place among the notebook's PENDING runs (1 runs next), 0 when not known. */
  private queuePos = 0;
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
    this.restoredEl = h(
      'span',
      { class: 'restored', testid: 'restored', hidden: true, title: 'This result was kept from before the server restarted. Run the paragraph to refresh it.' },
      'from the last run',
    );
    this.settings = { ...p.settings };

    const head = h(
      'div',
      { class: 'para-head' },
      this.titleInput,
      h('span', { class: 'spacer' }),
      this.restoredEl,
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

    this.forms = new FormsView((name, value) => this.formChanged(name, value));

    this.outputs = new OutputsView({
      result: {
        rows: (req) => ctx.rows(req),
        summary: (rid) => ctx.summary(rid),
        pivot: (rid, chart) => ctx.pivot(rid, chart),
        settings: () => this.settings,
        setSettings: (changes) => this.setSettings(changes),
        downloadURL: (format) => ctx.downloadURL(this.id, format),
        // A Go paragraph's nb.Show tables live on the server like SQL results.
        chartable: () => this.langSel.value === 'sql' || this.langSel.value === 'go',
        // Only SQL can run again for a live link; the server refuses Go.
        share: (anchor) => ctx.share(this.id, this.langSel.value === 'sql', anchor),
        toast: (m) => ctx.toast(m),
      },
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

    this.el = h('section', { class: 'paragraph', testid: 'paragraph', 'data-id': p.id }, head, this.forms.el, this.editorWrap, this.outputs.el);
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
    return { text: this.editor.getText(), lang: this.langSel.value, title: this.titleInput.value, settings: this.settings };
  }

  private setLocal(c: Content): void {
    this.editor.setText(c.text);
    if (c.lang !== this.langSel.value) this.applyLang(c.lang);
    if (this.titleInput.value !== c.title) this.titleInput.value = c.title;
    if (!sameSettings(c.settings, this.settings)) {
      this.settings = { ...(c.settings ?? {}) };
      this.applySettings();
    }
  }

  /** setSettings changes settings here and saves them (at once, like a language change). */
  private setSettings(changes: Record<string, string | undefined>): void {
    const next = { ...this.settings };
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined) delete next[k];
      else next[k] = v;
    }
    if (sameSettings(next, this.settings)) return;
    this.settings = next;
    this.applySettings();
    this.sync.changed(true);
  }

  private applySettings(): void {
    this.showForms();
    this.outputs.applySettings(this.settings);
  }

  private showForms(): void {
    // SQL's ${…} forms, and Go's nb.Text / nb.Select inputs.
    const lang = this.langSel.value;
    this.forms.update(lang === 'sql' || lang === 'go' ? this.p.forms : [], this.settings);
  }

  /** formChanged saves a form's new value and runs the paragraph with it. */
  private formChanged(name: string, value: FormValue): void {
    this.settings = withFormValue(this.settings, name, value);
    this.applySettings();
    this.sync.changed(true);
    this.run();
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
    this.showForms();
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
    this.restoredEl.hidden = !(run?.restored && run.status === 'FINISHED');
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
    this.showForms();
    this.refreshMarkdown();
  }

  /** setQueue shows the paragraph's place in the run queue while it is PENDING (0: none). */
  setQueue(pos: number): void {
    if (pos === this.queuePos) return;
    this.queuePos = pos;
    this.tick(Date.now());
  }

  /** tick refreshes the elapsed time (live while running), or the place in the queue. */
  tick(now: number): void {
    const run = this.p.run;
    let text = '';
    if (run?.status === 'PENDING') text = this.queuePos === 1 ? 'next' : this.queuePos > 1 ? `${ordinal(this.queuePos)} in line` : 'waiting';
    else if (run && (run.startedAt || run.elapsedMs || run.status === 'RUNNING')) text = formatElapsed(elapsedAt(run, now));
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

  private showConflict(refused: Content, server: Revised): void {
    this.conflictEl?.remove();
    const reapply = h('button', { type: 'button', class: 'btn small primary', testid: 'reapply' }, 'Re-apply mine');
    const dismiss = h('button', { type: 'button', class: 'btn small', testid: 'dismiss-conflict' }, 'Dismiss');
    const what = [
      refused.text !== server.text ? 'text' : '',
      refused.lang !== server.lang ? 'language' : '',
      refused.title !== server.title ? 'title' : '',
      sameSettings(refused.settings, server.settings) ? '' : 'settings',
    ]
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
    this.outputs.destroy();
    this.editor.destroy();
    this.wrap.remove();
  }
}
