// Numbers about data for people: sizes, counts, a SQL run's stats line ("0.42 s · 1,234 rows ·
// 12.3 MB fetched") and its progress while it waits or fetches.

import { formatElapsed } from './state';
import type { RunProgress, RunStats } from './types';

const UNITS = ['kB', 'MB', 'GB', 'TB', 'PB'];

/** formatBytes is a size in decimal units with about three significant digits: "512 B",
 * "1.5 kB", "12.3 MB", "123 MB". */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '?';
  if (n < 1000) return `${Math.round(n)} B`;
  let v = n;
  let u = -1;
  while (v >= 999.95 && u < UNITS.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v < 100 ? v.toFixed(1) : Math.round(v)} ${UNITS[u]}`;
}

/** formatCount is an integer with thousands separators: "1,234". */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** plural is "1 file", "3 files", "1,234 rows" (word + "s" unless given). */
export function plural(n: number, word: string, words = word + 's'): string {
  return `${formatCount(n)} ${n === 1 ? word : words}`;
}

/** formatSeconds is a run's duration in the stats line: "4 ms", "0.42 s", "12.3 s", "2m 05s". */
export function formatSeconds(ms: number): string {
  if (ms < 10 || ms >= 60_000) return formatElapsed(ms);
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** statsParts are the pieces of the stats line; zero counts (other than rows) are left out. */
export function statsParts(s: RunStats): string[] {
  const parts: string[] = [];
  if (typeof s.elapsedMs === 'number') parts.push(formatSeconds(s.elapsedMs));
  if (typeof s.rows === 'number' && s.rows >= 0) parts.push(plural(s.rows, 'row'));
  if (num(s.bytesFetched) > 0) parts.push(`${formatBytes(s.bytesFetched)} fetched`);
  if (num(s.cacheHits) > 0) parts.push(plural(s.cacheHits, 'cache hit'));
  const scanned = num(s.filesScanned);
  const pruned = num(s.filesPruned);
  if (scanned > 0 || pruned > 0) {
    let f = `${plural(scanned, 'file')} scanned`;
    if (num(s.bytesScanned) > 0) f += ` (${formatBytes(s.bytesScanned)})`;
    if (pruned > 0) f += `, ${formatCount(pruned)} pruned`;
    parts.push(f);
  } else if (num(s.bytesScanned) > 0) {
    parts.push(`${formatBytes(s.bytesScanned)} scanned`);
  }
  return parts;
}

export function formatStats(s: RunStats): string {
  return statsParts(s).join(' · ');
}

/** formatProgress is "queued (position 2)", "fetching 3/10 files · 12 MB of 40 MB" or
 * "running …". */
export function formatProgress(p: RunProgress): string {
  if (p.phase === 'queued') return p.position && p.position > 0 ? `queued (position ${p.position})` : 'queued';
  if (p.phase === 'running' && typeof p.percent === 'number') return `running ${Math.floor(p.percent)}%`;
  const parts: string[] = [];
  const files = num(p.files);
  const filesTotal = num(p.filesTotal);
  if (filesTotal > 0) parts.push(`${formatCount(files)}/${plural(filesTotal, 'file')}`);
  else if (files > 0) parts.push(plural(files, 'file'));
  const bytes = num(p.bytes);
  const bytesTotal = num(p.bytesTotal);
  if (bytesTotal > 0) parts.push(`${formatBytes(bytes)} of ${formatBytes(bytesTotal)}`);
  else if (bytes > 0) parts.push(formatBytes(bytes));
  const phase = p.phase || 'running';
  return parts.length === 0 ? phase : `${phase} ${parts.join(' · ')}`;
}

/** progressFraction is how much of the work is done, in [0, 1], by bytes when their total is
 * known, else by files; null when neither is (the bar is then indeterminate). */
export function progressFraction(p: RunProgress): number | null {
  if (p.phase === 'queued') return null;
  if (p.phase === 'running') return typeof p.percent === 'number' ? Math.min(1, Math.max(0, p.percent / 100)) : null;
  const bytesTotal = num(p.bytesTotal);
  if (bytesTotal > 0) return Math.min(1, Math.max(0, num(p.bytes) / bytesTotal));
  const filesTotal = num(p.filesTotal);
  if (filesTotal > 0) return Math.min(1, Math.max(0, num(p.files) / filesTotal));
  return null;
}
