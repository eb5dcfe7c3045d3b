// The HTTP API (JSON, same-origin session cookie). Failures throw ApiError with the server's
// {"error": {"code", "message"}}.

import type { SearchHit } from './search';

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  return send<T>(method, path, body === undefined ? undefined : JSON.stringify(body), 'application/json');
}

async function send<T>(method: string, path: string, body: BodyInit | undefined, contentType: string): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: { 'Content-Type': contentType, Accept: 'application/json' },
      ...(body === undefined ? {} : { body }),
    });
  } catch (err) {
    throw new ApiError('unavailable', `cannot reach the server (${String(err)})`, 0);
  }
  const text = await res.text();
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      /* not JSON */
    }
  }
  if (!res.ok) {
    const e = (data as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(e?.code ?? `http_${res.status}`, e?.message ?? (res.statusText || `HTTP ${res.status}`), res.status);
  }
  return data as T;
}

export interface NotebookInfo {
  id: string;
  name: string;
  error?: string;
}

/** ImportResult is what POST /api/notebooks/import answers. */
export interface ImportResult {
  id: string;
  name: string;
  format: string;
  paragraphs: number;
  notes: string[];
}

export const notebooksAPI = {
  /** import uploads a notebook file as is; the server tells its format from the content. */
  import: (file: Blob, name?: string) =>
    send<ImportResult>('POST', '/api/notebooks/import' + (name ? `?name=${encodeURIComponent(name)}` : ''), file, 'application/octet-stream'),
  list: () => api<{ notebooks: NotebookInfo[] }>('GET', '/api/notebooks'),
  create: (name: string) => api<NotebookInfo>('POST', '/api/notebooks', { name }),
  rename: (id: string, name: string) => api<NotebookInfo>('PATCH', `/api/notebooks/${encodeURIComponent(id)}`, { name }),
  /** remove moves the notebook to the trash (on stores without one, deletes it). */
  remove: (id: string) => api<TrashEntry | null>('DELETE', `/api/notebooks/${encodeURIComponent(id)}`),
  clone: (id: string, name?: string) =>
    api<NotebookInfo>('POST', `/api/notebooks/${encodeURIComponent(id)}/clone`, name === undefined ? {} : { name }),
  search: (q: string) => api<{ notebooks: SearchHit[] }>('GET', `/api/notebooks?q=${encodeURIComponent(q)}`),
};

export const foldersAPI = {
  /** rename moves every notebook under folder from into folder to, or none. */
  rename: (from: string, to: string) => api<{ renamed: NotebookInfo[] }>('POST', '/api/folders/rename', { from, to }),
};

/** TrashEntry is one notebook in the trash. */
export interface TrashEntry {
  id: string;
  notebookId: string;
  name: string;
  deleted: string;
  error?: string;
}

export const trashAPI = {
  list: () => api<{ trash: TrashEntry[] }>('GET', '/api/trash'),
  restore: (entry: string) => api<NotebookInfo>('POST', `/api/trash/${encodeURIComponent(entry)}/restore`),
  remove: (entry: string) => api<unknown>('DELETE', `/api/trash/${encodeURIComponent(entry)}`),
  empty: () => api<{ deleted: number }>('DELETE', '/api/trash'),
};

/** exportURL downloads notebook id in format (ipynb, zpln, html or nb). */
export function exportURL(id: string, format: string): string {
  return `/api/notebooks/${encodeURIComponent(id)}/export?format=${encodeURIComponent(format)}`;
}

/** resultDownloadURL downloads the latest table result of paragraph pid in format (csv,
 * parquet or jsonl), whole. */
export function resultDownloadURL(id: string, pid: string, format: string): string {
  return `/api/notebooks/${encodeURIComponent(id)}/paragraphs/${encodeURIComponent(pid)}/result/download?format=${encodeURIComponent(format)}`;
}

/** notebookPath is the page of notebook id. */
export function notebookPath(id: string): string {
  return `/notebooks/${encodeURIComponent(id)}`;
}
