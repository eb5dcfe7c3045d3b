// A run's outputs under its paragraph: text (stdout, stderr, values), sanitized html, tables,
// and the run's error. Outputs are kept by index; only those whose object changed are rebuilt.

import { h } from './dom';
import { isActive, type Run } from './state';
import { formatBytes, formatCount, formatProgress, formatStats, progressFraction } from './stats';
import { renderTable } from './table';
import type { ErrorInfo, Output, RunProgress, RunStats } from './types';

export interface OutputsContext {
  /** extraRows are the rows paged in for a result so far. */
  extraRows(resultId: string): unknown[][];
  /** more loads the next page of a table output. */
  more(o: Output): Promise<void>;
  /** gotoError moves the editor's cursor to an error's position. */
  gotoError(line: number, column?: number): void;
}

/** errorLocation is "line L, col C" (or "line L"), or "" without a line. */
export function errorLocation(e: ErrorInfo): string {
  if (!e.line) return '';
  return e.column ? `line ${e.line}, col ${e.column}` : `line ${e.line}`;
}

export function renderOutput(o: Output, ctx: OutputsContext): HTMLElement {
  switch (o.type) {
    case 'text': {
      const stream = o.stream || 'value';
      return h('pre', { class: `out out-text stream-${stream}`, testid: 'output', 'data-type': 'text', 'data-stream': stream }, o.text ?? '');
    }
    case 'html': {
      const el = h('div', { class: 'out out-html', testid: 'output', 'data-type': 'html' });
      el.innerHTML = o.html ?? ''; // sanitized by the server
      return el;
    }
    case 'table':
      return renderTable(o, { extra: o.resultId ? ctx.extraRows(o.resultId) : [], more: () => ctx.more(o) });
    default:
      return h('pre', { class: 'out out-text stream-value', testid: 'output', 'data-type': o.type }, JSON.stringify(o, null, 2));
  }
}

export function renderError(e: ErrorInfo, ctx: OutputsContext): HTMLElement {
  const loc = errorLocation(e);
  return h(
    'div',
    { class: `out-error code-${e.code}`, testid: 'error', 'data-code': e.code, role: 'alert' },
    h('span', { class: 'err-code' }, e.code),
    ' ',
    h('span', { class: 'err-msg' }, e.message),
    loc ? ' ' : null,
    loc
      ? h(
          'button',
          { type: 'button', class: 'err-loc', title: 'Show in the editor', onclick: () => ctx.gotoError(e.line ?? 1, e.column) },
          loc,
        )
      : null,
  );
}

/** renderStats is the line under a SQL run's output: time, rows, bytes fetched, cache hits, files. */
export function renderStats(s: RunStats): HTMLElement {
  const detail = [
    `${formatCount(s.elapsedMs ?? 0)} ms`,
    `${formatCount(s.rows ?? 0)} rows`,
    `${formatBytes(s.bytesFetched ?? 0)} fetched from storage`,
    `${formatCount(s.cacheHits ?? 0)} cache hits`,
    `${formatCount(s.filesScanned ?? 0)} files scanned (${formatBytes(s.bytesScanned ?? 0)})`,
    `${formatCount(s.filesPruned ?? 0)} files pruned`,
  ].join('\n');
  return h('div', { class: 'run-stats', testid: 'stats', title: detail }, formatStats(s));
}

/** renderProgress is "queued (position 2)", or a bar and "fetching 3/10 files · 12 MB of 40 MB". */
export function renderProgress(p: RunProgress): HTMLElement {
  const frac = progressFraction(p);
  const bar =
    p.phase === 'queued'
      ? null
      : h('progress', { class: 'progress-bar', max: 1, ...(frac === null ? {} : { value: frac }), 'aria-label': 'progress' });
  return h('div', { class: 'run-progress', testid: 'progress', 'data-phase': p.phase }, bar, h('span', { class: 'progress-text' }, formatProgress(p)));
}

interface Held {
  output: Output;
  extra: number;
  node: HTMLElement;
}

export class OutputsView {
  readonly el = h('div', { class: 'outputs' });
  private held: (Held | undefined)[] = [];
  private errorNode: HTMLElement | null = null;
  private errorOf: ErrorInfo | null = null;
  /** The progress (while the run waits or fetches) or stats line shown last. */
  private infoNode: HTMLElement | null = null;
  private infoOf: RunProgress | RunStats | null = null;

  constructor(private ctx: OutputsContext) {}

  /** update shows run's outputs; force rebuilds the tables of resultId (after paging). */
  update(run: Run | null, forceResult?: string): void {
    const outputs = run?.outputs ?? [];
    let prev: Node | null = null;
    for (let i = 0; i < Math.max(outputs.length, this.held.length); i++) {
      const o = outputs[i];
      const cur = this.held[i];
      if (!o) {
        if (cur) cur.node.remove();
        this.held[i] = undefined;
        continue;
      }
      const extra = o.resultId ? this.ctx.extraRows(o.resultId).length : 0;
      if (cur && cur.output === o && cur.extra === extra && !(forceResult && o.resultId === forceResult)) {
        prev = cur.node;
        continue;
      }
      const node = renderOutput(o, this.ctx);
      if (cur) cur.node.replaceWith(node);
      else this.el.insertBefore(node, prev ? prev.nextSibling : this.el.firstChild);
      this.held[i] = { output: o, extra, node };
      prev = node;
    }
    this.held.length = outputs.length;

    const err = run?.error ?? null;
    if (err !== this.errorOf) {
      this.errorNode?.remove();
      this.errorNode = err ? renderError(err, this.ctx) : null;
      this.errorOf = err;
      if (this.errorNode) this.el.appendChild(this.errorNode);
    }

    const progress = run && isActive(run.status) ? run.progress : null;
    const info = progress ?? run?.stats ?? null;
    if (info !== this.infoOf) {
      this.infoNode?.remove();
      this.infoNode = progress ? renderProgress(progress) : info ? renderStats(info as RunStats) : null;
      this.infoOf = info;
    }
    if (this.infoNode && this.el.lastChild !== this.infoNode) this.el.appendChild(this.infoNode);
    this.el.hidden = outputs.every((o) => !o) && !err && !this.infoNode;
  }

  /** hasRendered reports whether some html output is shown (for markdown paragraphs). */
  hasHTML(): boolean {
    return this.held.some((x) => x?.output.type === 'html');
  }
}
