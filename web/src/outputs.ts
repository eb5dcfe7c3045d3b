// A run's outputs under its paragraph: text (stdout, stderr, values), sanitized html, tables
// (a result grid, or a chart), and the run's error. Outputs are kept by index; only those whose
// object changed are rebuilt.

import { h } from './dom';
import { ResultView } from './result';
import type { ResultContext } from './result';
import { isActive, type Run } from './state';
import { formatBytes, formatCount, formatProgress, formatStats, progressFraction } from './stats';
import type { ErrorInfo, Output, RunProgress, RunStats } from './types';

export interface OutputsContext {
  /** result is what table outputs page, sort, chart and download with. */
  result: ResultContext;
  /** gotoError moves the editor's cursor to an error's position. */
  gotoError(line: number, column?: number): void;
}

/** errorLocation is "line L, col C" (or "line L"), or "" without a line. */
export function errorLocation(e: ErrorInfo): string {
  if (!e.line) return '';
  return e.column ? `line ${e.line}, col ${e.column}` : `line ${e.line}`;
}

/** renderOutput renders a text, html or unknown output (tables are ResultViews). */
export function renderOutput(o: Output): HTMLElement {
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
  node: HTMLElement;
  result?: ResultView;
}

/** primaryTable is the index of the last table output with a result id (the one the chart,
 * the settings and the download are about), or -1. */
export function primaryTable(outputs: (Output | undefined)[]): number {
  for (let i = outputs.length - 1; i >= 0; i--) if (outputs[i]?.type === 'table' && outputs[i]?.resultId) return i;
  return -1;
}

/** activeProgress is the progress to show for an active run: the server's, or (a Go run, a
 * SQL run before its first report) just its phase. */
const phases = { queued: { phase: 'queued' }, running: { phase: 'running' } } as const;
export function activeProgress(run: Run | null): RunProgress | null {
  if (!run || !isActive(run.status)) return null;
  return run.progress ?? (run.status === 'PENDING' ? phases.queued : phases.running);
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

  /** update shows run's outputs. */
  update(run: Run | null): void {
    const outputs = run?.outputs ?? [];
    const primary = primaryTable(outputs);
    let prev: Node | null = null;
    for (let i = 0; i < Math.max(outputs.length, this.held.length); i++) {
      const o = outputs[i];
      const cur = this.held[i];
      if (!o) {
        if (cur) this.drop(cur);
        this.held[i] = undefined;
        continue;
      }
      if (cur && cur.output === o) {
        cur.result?.setPrimary(i === primary);
        prev = cur.node;
        continue;
      }
      const result = o.type === 'table' ? new ResultView(o, this.ctx.result, i === primary) : undefined;
      const node = result ? result.el : renderOutput(o);
      if (cur) {
        cur.node.replaceWith(node);
        cur.result?.destroy();
      } else this.el.insertBefore(node, prev ? prev.nextSibling : this.el.firstChild);
      this.held[i] = result ? { output: o, node, result } : { output: o, node };
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

    const progress = activeProgress(run);
    const info = progress ?? run?.stats ?? null;
    if (info !== this.infoOf) {
      this.infoNode?.remove();
      this.infoNode = progress ? renderProgress(progress) : info ? renderStats(info as RunStats) : null;
      this.infoOf = info;
    }
    if (this.infoNode && this.el.lastChild !== this.infoNode) this.el.appendChild(this.infoNode);
    this.el.hidden = outputs.every((o) => !o) && !err && !this.infoNode;
  }

  /** applySettings passes changed paragraph settings (view, chart) to the table outputs. */
  applySettings(settings: Record<string, string>): void {
    for (const x of this.held) x?.result?.applySettings(settings);
  }

  private drop(x: Held): void {
    x.node.remove();
    x.result?.destroy();
  }

  destroy(): void {
    for (const x of this.held) if (x) this.drop(x);
    this.held = [];
  }

  /** hasRendered reports whether some html output is shown (for markdown paragraphs). */
  hasHTML(): boolean {
    return this.held.some((x) => x?.output.type === 'html');
  }
}
