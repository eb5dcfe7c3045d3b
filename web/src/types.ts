// Wire types of docs/protocol.md: what the server sends and what the client asks.

export type Lang = 'sql' | 'go' | 'md';
export const LANGS: readonly { value: Lang; label: string }[] = [
  { value: 'sql', label: 'SQL' },
  { value: 'go', label: 'Go' },
  { value: 'md', label: 'Markdown' },
];

export type RunStatus = 'PENDING' | 'RUNNING' | 'FINISHED' | 'ERROR' | 'ABORTED';

export interface Column {
  name: string;
  type: string;
}

/** One output of a run (notebooks.Output): which fields are set depends on type. */
export interface Output {
  type: 'text' | 'table' | 'html' | string;
  text?: string;
  stream?: string;
  html?: string;
  columns?: Column[];
  rows?: unknown[][];
  rowCount?: number;
  resultId?: string;
}

/** A coded error (notebooks.Error). line/column are 1-based and point into the paragraph's text. */
export interface ErrorInfo {
  code: string;
  message: string;
  line?: number;
  column?: number;
}

/** What a SQL run read and how long it took (set when the run was SQL). */
export interface RunStats {
  elapsedMs: number;
  rows: number;
  bytesFetched: number;
  cacheHits: number;
  filesScanned: number;
  filesPruned: number;
  bytesScanned: number;
}

/** How far a SQL run that waits or fetches has come. position (1-based) is set while queued. */
export interface RunProgress {
  phase: 'queued' | 'fetching' | 'running' | string;
  position?: number;
  files?: number;
  filesTotal?: number;
  bytes?: number;
  bytesTotal?: number;
  /** DuckDB's estimate, 0–100, while the query runs. */
  percent?: number;
}

export interface RunData {
  runId: number;
  status: RunStatus;
  startedAt?: string;
  elapsedMs?: number;
  outputs?: (Output | null)[] | null;
  error?: ErrorInfo | null;
  stats?: RunStats | null;
  /** The latest progress while PENDING or RUNNING. */
  progress?: RunProgress | null;
}

export interface ParagraphData {
  id: string;
  title?: string;
  lang: Lang | string;
  text: string;
  settings?: Record<string, string> | null;
  rev: number;
  run?: RunData | null;
}

export interface NotebookData {
  id: string;
  name: string;
  paragraphs: ParagraphData[] | null;
}

export type ServerEvent =
  | { type: 'notebook'; notebook: NotebookData }
  | { type: 'paragraph'; paragraph: ParagraphData }
  | { type: 'added'; paragraph: ParagraphData; index: number }
  | { type: 'moved'; id: string; index: number }
  | { type: 'deleted'; id: string }
  | { type: 'renamed'; name: string }
  | {
      type: 'status';
      id: string;
      runId: number;
      status: RunStatus;
      startedAt?: string;
      elapsedMs?: number;
      error?: ErrorInfo | null;
      stats?: RunStats | null;
      progress?: RunProgress | null;
    }
  | { type: 'progress'; id: string; runId: number; progress: RunProgress }
  | { type: 'output'; id: string; runId: number; index: number; output: Output }
  | { type: 'closed'; reason?: string }
  | { type: 'kernel'; lang: string; status: 'restarted' };

export interface AckMessage {
  type: 'ack';
  req: number;
  [field: string]: unknown;
}

export interface ErrorMessage {
  type: 'error';
  req?: number;
  error: ErrorInfo & { paragraph?: ParagraphData };
}

/** Request payloads by op, and what their acks carry. */
export interface Requests {
  edit: {
    req: { id: string; rev: number; text?: string; lang?: string; title?: string; settings?: Record<string, string> };
    ack: { rev: number };
  };
  add: { req: { index: number; lang: string; text: string }; ack: { id: string } };
  move: { req: { id: string; index: number }; ack: Record<string, never> };
  delete: { req: { id: string }; ack: Record<string, never> };
  run: { req: { id: string }; ack: { runId: number } };
  runAll: { req: { until?: string }; ack: { runIds: number[] } };
  restart: { req: { lang?: string }; ack: { restarted?: string[] } };
  complete: {
    req: { lang: string; text: string; pos: number };
    ack: { from: number; items: { label: string; kind?: string; detail?: string }[] };
  };
  cancel: { req: { id: string }; ack: Record<string, never> };
  rename: { req: { name: string }; ack: Record<string, never> };
  page: { req: { resultId: string; offset: number; limit: number }; ack: { rows: unknown[][] } };
  sync: { req: Record<string, never>; ack: Record<string, never> };
}
export type Op = keyof Requests;
