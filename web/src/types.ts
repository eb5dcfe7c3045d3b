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
  /** A chart the code asked for (Go's nb.Chart), shown unless the paragraph's settings pick a view. */
  chart?: ChartSpec;
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
  /** Set when the run was restored from before a server restart (its results kept on disk). */
  restored?: boolean;
}

/** A dynamic form of a paragraph, parsed by the server from Zeppelin syntax in its text:
 * ${name=default}, ${name=default,a|b|c}, ${checkbox:name=a|b,a|b|c}. */
export interface FormDef {
  name: string;
  kind: 'text' | 'select' | 'checkbox' | string;
  default?: string | string[] | null;
  options?: string[] | null;
}

export interface ParagraphData {
  id: string;
  title?: string;
  lang: Lang | string;
  text: string;
  settings?: Record<string, string> | null;
  rev: number;
  forms?: FormDef[] | null;
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

/** A result's rows ordered by a column. */
export interface SortKey {
  column: string;
  desc?: boolean;
}

export type FilterOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'contains' | 'is_null' | 'not_null';

/** Keeps a result's rows whose column compares with value (unused by is_null and not_null). */
export interface Filter {
  column: string;
  op: FilterOp;
  value?: string | number | boolean;
}

export type ChartType = 'bar' | 'line' | 'area' | 'pie' | 'scatter' | 'histogram' | 'heatmap' | 'timeseries';
export type Agg = 'sum' | 'count' | 'avg' | 'min' | 'max' | 'count_distinct' | 'median';

/** A chart of a result, as saved in settings.chart and sent with `pivot`. */
export interface ChartSpec {
  type: ChartType;
  keys: string[];
  groups: string[];
  values: { column: string; agg: Agg }[];
  stacked?: boolean;
  bins?: number;
}

/** One bar of a column's histogram: values in [lo, hi). */
export interface Bin {
  lo: unknown;
  hi: unknown;
  count: number;
}

export interface ColumnSummary {
  name: string;
  type: string;
  nulls: number;
  distinct: number;
  /** approx says distinct is an estimate (HyperLogLog, for big results). */
  approx?: boolean;
  min: unknown;
  max: unknown;
  histogram?: Bin[] | null;
}

/** A chart's points, computed over the whole result. */
export interface PivotResult {
  columns: Column[];
  rows: unknown[][];
  /** The rows of the result the points summarize. */
  total: number;
  /** The number of points kept when a scatter was sampled. */
  sampled?: number;
  truncated?: boolean;
}

export interface RowsRequest {
  resultId: string;
  offset: number;
  limit: number;
  sort?: SortKey[];
  filter?: Filter[];
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
  /** rows is answered by a binary frame: the header's fields, and the Arrow IPC stream. */
  rows: { req: RowsRequest; ack: { matched: number; offset: number; arrow: Uint8Array } };
  summary: { req: { resultId: string }; ack: { columns: ColumnSummary[] | null } };
  pivot: { req: { resultId: string; chart: ChartSpec }; ack: { pivot: PivotResult } };
  sync: { req: Record<string, never>; ack: Record<string, never> };
}
export type Op = keyof Requests;
