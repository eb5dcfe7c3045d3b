// The notebook state and the pure reducer that applies server events to it (docs/protocol.md).
// applyEvent never mutates its input: unchanged paragraphs, runs and outputs keep their identity,
// so the view can tell what changed by comparing references.

import type { ErrorInfo, FormDef, NotebookData, Output, ParagraphData, RunData, RunProgress, RunStats, RunStatus, ServerEvent } from './types';

export interface Run {
  runId: number;
  status: RunStatus;
  startedAt: string;
  elapsedMs: number;
  /** Outputs by index; a hole is an index not received yet. */
  outputs: (Output | undefined)[];
  error: ErrorInfo | null;
  /** What a SQL run read (set when it ended, or as the server reports it). */
  stats: RunStats | null;
  /** The latest progress of a SQL run that waits or fetches; null once the run ended. */
  progress: RunProgress | null;
  /** The run is the last one from before the server restarted (its results were kept). */
  restored: boolean;
  /** Local clock (ms) when elapsedMs was last reported: a running paragraph's elapsed time
   * ticks from here without trusting the server's clock. */
  receivedAt: number;
}

export interface Paragraph {
  id: string;
  title: string;
  lang: string;
  text: string;
  settings: Record<string, string>;
  rev: number;
  /** The dynamic forms of the text, as the server parsed them. */
  forms: FormDef[];
  run: Run | null;
}

export interface NotebookState {
  id: string;
  name: string;
  paragraphs: Paragraph[];
  /** Set when the server said the notebook was deleted. */
  closed: string | null;
}

export function isActive(status: RunStatus | undefined): boolean {
  return status === 'PENDING' || status === 'RUNNING';
}

function runFrom(r: RunData | null | undefined, now: number): Run | null {
  if (!r) return null;
  const outputs: (Output | undefined)[] = [];
  (r.outputs ?? []).forEach((o, i) => {
    if (o) outputs[i] = o;
  });
  return {
    runId: r.runId,
    status: r.status,
    startedAt: r.startedAt ?? '',
    elapsedMs: r.elapsedMs ?? 0,
    outputs,
    error: r.error ?? null,
    stats: r.stats ?? null,
    progress: isActive(r.status) ? (r.progress ?? null) : null,
    restored: r.restored === true,
    receivedAt: now,
  };
}

/** paragraphFrom normalizes a wire paragraph; run is taken from the wire only when withRun. */
export function paragraphFrom(p: ParagraphData, now: number, run: Run | null = null, withRun = true): Paragraph {
  return {
    id: p.id,
    title: p.title ?? '',
    lang: p.lang,
    text: p.text ?? '',
    settings: p.settings ?? {},
    rev: p.rev,
    forms: p.forms ?? [],
    run: withRun ? runFrom(p.run, now) : run,
  };
}

export function notebookFrom(nb: NotebookData, now: number): NotebookState {
  return {
    id: nb.id,
    name: nb.name,
    paragraphs: (nb.paragraphs ?? []).map((p) => paragraphFrom(p, now)),
    closed: null,
  };
}

function clampIndex(i: number, len: number): number {
  if (!Number.isFinite(i) || i < 0 || i > len) return len;
  return Math.floor(i);
}

function mapParagraph(s: NotebookState, id: string, f: (p: Paragraph) => Paragraph): NotebookState {
  const i = s.paragraphs.findIndex((p) => p.id === id);
  if (i < 0) return s;
  const old = s.paragraphs[i]!;
  const p = f(old);
  if (p === old) return s;
  const paragraphs = s.paragraphs.slice();
  paragraphs[i] = p;
  return { ...s, paragraphs };
}

function emptyRun(runId: number, status: RunStatus, now: number): Run {
  return { runId, status, startedAt: '', elapsedMs: 0, outputs: [], error: null, stats: null, progress: null, restored: false, receivedAt: now };
}

/** applyEvent returns the state after ev. Events other than `notebook` before the first snapshot
 * are ignored (the snapshot that follows covers them). */
export function applyEvent(s: NotebookState | null, ev: ServerEvent, now: number): NotebookState | null {
  if (ev.type === 'notebook') return notebookFrom(ev.notebook, now);
  if (!s) return s;
  switch (ev.type) {
    case 'paragraph': {
      const np = ev.paragraph;
      return mapParagraph(s, np.id, (p) => (np.rev < p.rev ? p : paragraphFrom(np, now, p.run, false)));
    }
    case 'added': {
      const np = paragraphFrom(ev.paragraph, now);
      const rest = s.paragraphs.filter((p) => p.id !== np.id);
      const paragraphs = rest.slice();
      paragraphs.splice(clampIndex(ev.index, rest.length), 0, np);
      return { ...s, paragraphs };
    }
    case 'moved': {
      const p = s.paragraphs.find((q) => q.id === ev.id);
      if (!p) return s;
      const rest = s.paragraphs.filter((q) => q.id !== ev.id);
      const at = clampIndex(ev.index, rest.length);
      if (s.paragraphs[at] === p) return s;
      rest.splice(at, 0, p);
      return { ...s, paragraphs: rest };
    }
    case 'deleted': {
      if (!s.paragraphs.some((p) => p.id === ev.id)) return s;
      return { ...s, paragraphs: s.paragraphs.filter((p) => p.id !== ev.id) };
    }
    case 'renamed':
      return ev.name === s.name ? s : { ...s, name: ev.name };
    case 'closed':
      return { ...s, closed: ev.reason || 'the notebook was deleted' };
    case 'kernel':
      return s; // nothing in the notebook's state changes; the page tells the user
    case 'status':
      return mapParagraph(s, ev.id, (p) => {
        const cur = p.run;
        if (cur && ev.runId < cur.runId) return p; // a late event of an older run
        const fresh = !cur || ev.runId > cur.runId; // a new run id clears the outputs
        const run: Run = {
          runId: ev.runId,
          status: ev.status,
          startedAt: ev.startedAt ?? (fresh ? '' : cur.startedAt),
          elapsedMs: ev.elapsedMs ?? (fresh ? 0 : cur.elapsedMs),
          outputs: fresh ? [] : cur.outputs,
          error: ev.error ?? null,
          stats: ev.stats ?? (fresh ? null : cur.stats),
          progress: isActive(ev.status) ? (ev.progress ?? (fresh ? null : cur.progress)) : null,
          restored: fresh ? false : cur.restored,
          receivedAt: now,
        };
        return { ...p, run };
      });
    case 'progress':
      return mapParagraph(s, ev.id, (p) => {
        const cur = p.run;
        if (!ev.progress || (cur && ev.runId < cur.runId)) return p;
        if (cur && ev.runId === cur.runId) {
          if (!isActive(cur.status)) return p; // a late report of a run that ended
          return { ...p, run: { ...cur, progress: ev.progress } };
        }
        const status: RunStatus = ev.progress.phase === 'queued' ? 'PENDING' : 'RUNNING';
        return { ...p, run: { ...emptyRun(ev.runId, status, now), progress: ev.progress } };
      });
    case 'output':
      return mapParagraph(s, ev.id, (p) => {
        const cur = p.run;
        if (cur && ev.runId < cur.runId) return p;
        const base: Run =
          cur && ev.runId === cur.runId
            ? cur
            : emptyRun(ev.runId, 'RUNNING', now);
        if (!Number.isInteger(ev.index) || ev.index < 0) return p;
        const outputs = base.outputs.slice();
        outputs[ev.index] = ev.output;
        return { ...p, run: { ...base, outputs } };
      });
    default:
      return s;
  }
}

/** Elapsed milliseconds to show for run at local time now: live while running. */
export function elapsedAt(run: Run, now: number): number {
  if (run.status === 'RUNNING') return run.elapsedMs + Math.max(0, now - run.receivedAt);
  return run.elapsedMs;
}

/** formatElapsed renders a duration for the status line: "12 ms", "3.4 s", "2m 05s". */
export function formatElapsed(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const total = Math.floor(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}h ${String(m).padStart(2, '0')}m ${sec}s` : `${m}m ${sec}s`;
}
