// CodeMirror 6 setup: one editor per paragraph, with the paragraph's language mode,
// Shift-Enter / Ctrl-Enter / Cmd-Enter to run, and remote updates applied as minimal changes so
// the local cursor stays where it was. Brackets are not auto-closed and completion opens only on
// Tab (after part of a name or a dot) or Ctrl-Space, so what is typed is what is stored.

import {
  acceptCompletion,
  autocompletion,
  completionKeymap,
  completionStatus,
  startCompletion,
  type CompletionContext,
  type CompletionResult,
} from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { go } from '@codemirror/lang-go';
import { markdown } from '@codemirror/lang-markdown';
import { PostgreSQL, sql } from '@codemirror/lang-sql';
import { bracketMatching, defaultHighlightStyle, indentOnInput, indentUnit, syntaxHighlighting } from '@codemirror/language';
import { Annotation, Compartment, EditorState, Prec, type Extension } from '@codemirror/state';
import {
  drawSelection,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
  placeholder,
} from '@codemirror/view';
import { completionType, tabCompletes } from './complete';

/** fromServer marks transactions that apply the server's text, so they do not count as edits. */
const fromServer = Annotation.define<boolean>();

export function languageExtension(lang: string): Extension {
  switch (lang) {
    case 'sql':
      return sql({ dialect: PostgreSQL, upperCaseKeywords: false });
    case 'go':
      return [go(), indentUnit.of('\t')]; // gofmt indents with tabs
    case 'md':
      return [markdown(), EditorView.lineWrapping];
    default:
      return [];
  }
}

const placeholders: Record<string, string> = {
  sql: 'select … (Shift-Enter to run)',
  go: 'fmt.Println("hello") (Shift-Enter to run)',
  md: '# Markdown (Shift-Enter to render)',
};

export interface EditorOptions {
  parent: HTMLElement;
  text: string;
  lang: string;
  /** onChange is called after each local change of the text. */
  onChange(): void;
  /** onRun is called for Shift-Enter, Ctrl-Enter and Cmd-Enter. */
  onRun(): void;
  onFocus?(): void;
  onBlur?(): void;
  /** complete asks the kernel for completions at pos (UTF-16 offsets, as CodeMirror counts). */
  complete?(text: string, pos: number): Promise<KernelCompletion | null>;
}

/** KernelCompletion is the server's answer to a complete request. */
export interface KernelCompletion {
  from: number;
  items: { label: string; kind?: string; detail?: string }[];
}

export interface Editor {
  readonly view: EditorView;
  getText(): string;
  /** setText replaces the text with a minimal change; the selection maps through it. */
  setText(text: string): void;
  setLang(lang: string): void;
  focus(): void;
  hasFocus(): boolean;
  /** insert replaces the selection with text (spaced from the words around it), leaves the
   * cursor after it and focuses the editor; it counts as a local edit. */
  insert(text: string): void;
  /** goto places the cursor at a 1-based line and column and focuses the editor. */
  goto(line: number, column?: number): void;
  destroy(): void;
}

const ENDS_WORD = /[\p{L}\p{N}_)\]"'`]/u;
const STARTS_WORD = /[\p{L}\p{N}_("'`]/u;

/** padInsertion adds a space before text when the character before the cursor would run into
 * it, and after it when the next character would ("from|" + "t" → "from t"). */
export function padInsertion(before: string, after: string, text: string): string {
  if (!text) return text;
  const lead = before !== '' && ENDS_WORD.test(before) && STARTS_WORD.test(text[0]!) ? ' ' : '';
  const trail = after !== '' && STARTS_WORD.test(after) && ENDS_WORD.test(text[text.length - 1]!) ? ' ' : '';
  return lead + text + trail;
}

/** minimalChange is the single replacement turning a into b (common prefix and suffix kept). */
export function minimalChange(a: string, b: string): { from: number; to: number; insert: string } | null {
  if (a === b) return null;
  let start = 0;
  const max = Math.min(a.length, b.length);
  while (start < max && a.charCodeAt(start) === b.charCodeAt(start)) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a.charCodeAt(endA - 1) === b.charCodeAt(endB - 1)) {
    endA--;
    endB--;
  }
  return { from: start, to: endA, insert: b.slice(start, endB) };
}

export function createEditor(o: EditorOptions): Editor {
  const lang = new Compartment();
  const ph = new Compartment();
  const run = () => {
    o.onRun();
    return true;
  };
  const source = async (ctx: CompletionContext): Promise<CompletionResult | null> => {
    if (!o.complete) return null;
    const res = await o.complete(ctx.state.doc.toString(), ctx.pos);
    if (!res || res.items.length === 0) return null;
    return {
      from: res.from,
      options: res.items.map((it) => ({ label: it.label, type: completionType(it.kind), detail: it.detail })),
      validFor: /^[\p{L}\p{N}_]*$/u,
    };
  };
  const tab = (v: EditorView): boolean => {
    const status = completionStatus(v.state);
    if (status !== null) {
      // The list may be refreshing (or just opened, within CodeMirror's interaction delay):
      // accept once it settles rather than let Tab fall through to indenting.
      if (!acceptCompletion(v)) setTimeout(() => acceptCompletion(v), 150);
      return true;
    }
    const sel = v.state.selection.main;
    if (!sel.empty || !o.complete) return false;
    const line = v.state.doc.lineAt(sel.head);
    if (!tabCompletes(line.text.slice(0, sel.head - line.from))) return false;
    return startCompletion(v);
  };
  const view = new EditorView({
    parent: o.parent,
    state: EditorState.create({
      doc: o.text,
      extensions: [
        Prec.highest(
          keymap.of([
            { key: 'Shift-Enter', run },
            { key: 'Mod-Enter', run },
            { key: 'Tab', run: tab },
          ]),
        ),
        lineNumbers(),
        highlightActiveLineGutter(),
        highlightSpecialChars(),
        history(),
        drawSelection(),
        indentOnInput(),
        bracketMatching(),
        // Tab or Ctrl-Space asks the kernel; typing alone never pops a list, so Enter stays a newline.
        autocompletion({ activateOnTyping: false, override: [source] }),
        highlightActiveLine(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        keymap.of([...defaultKeymap, ...historyKeymap, ...completionKeymap, indentWithTab]),
        lang.of(languageExtension(o.lang)),
        ph.of(placeholder(placeholders[o.lang] ?? '')),
        EditorView.editorAttributes.of({ 'data-testid': 'editor' }),
        EditorView.contentAttributes.of({ 'aria-label': 'paragraph text' }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged && !u.transactions.some((t) => t.annotation(fromServer))) o.onChange();
          if (u.focusChanged) {
            if (u.view.hasFocus) o.onFocus?.();
            else o.onBlur?.();
          }
        }),
      ],
    }),
  });

  return {
    view,
    getText: () => view.state.doc.toString(),
    setText(text) {
      const ch = minimalChange(view.state.doc.toString(), text);
      if (!ch) return;
      view.dispatch({ changes: ch, annotations: [fromServer.of(true)] });
    },
    setLang(l) {
      view.dispatch({
        effects: [lang.reconfigure(languageExtension(l)), ph.reconfigure(placeholder(placeholders[l] ?? ''))],
      });
    },
    focus: () => view.focus(),
    insert(text) {
      const { from, to } = view.state.selection.main;
      const doc = view.state.doc;
      const t = padInsertion(doc.sliceString(Math.max(0, from - 1), from), doc.sliceString(to, to + 1), text);
      view.dispatch({ changes: { from, to, insert: t }, selection: { anchor: from + t.length }, scrollIntoView: true, userEvent: 'input' });
      view.focus();
    },
    hasFocus: () => view.hasFocus,
    goto(line, column = 1) {
      const doc = view.state.doc;
      const l = doc.line(Math.min(Math.max(1, line), doc.lines));
      const pos = Math.min(l.from + Math.max(0, column - 1), l.to);
      view.dispatch({ selection: { anchor: pos }, scrollIntoView: true });
      view.focus();
    },
    destroy: () => view.destroy(),
  };
}
