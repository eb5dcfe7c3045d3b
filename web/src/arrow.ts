// Result values for people: Arrow pages (the `rows` answer) decoded into display text, and the
// JSON values of a table output's first page (and of summaries) rendered the same way, so a
// timestamp, a decimal or a 64-bit integer reads alike wherever it came from.

import { type DataType, type Field, tableFromIPC, TimeUnit, Type } from 'apache-arrow';

/** Kind is how a column's values are shown. */
export type Kind = 'int' | 'float' | 'decimal' | 'bool' | 'string' | 'date' | 'timestamp' | 'time' | 'binary' | 'interval' | 'uuid' | 'nested' | 'other';

export interface ValueFormat {
  kind: Kind;
  /** Digits after the point (decimals). */
  scale: number;
  /** Timestamps with a time zone are shown in UTC, marked +00. */
  tz: boolean;
  /** Ticks per second of a time of day (Arrow times count in s, ms, µs or ns). */
  ticks: number;
}

const fmt = (kind: Kind, extra: Partial<ValueFormat> = {}): ValueFormat => ({ kind, scale: 0, tz: false, ticks: 1, ...extra });

/** A display cell: the value's text, or null for SQL NULL. */
export type Cell = string | null;

// Marked pure so that a bundle using only the formatting below (the share page's) leaves out
// apache-arrow.
const TICKS: Record<number, number> = /* @__PURE__ */ (() => ({ [TimeUnit.SECOND]: 1, [TimeUnit.MILLISECOND]: 1e3, [TimeUnit.MICROSECOND]: 1e6, [TimeUnit.NANOSECOND]: 1e9 }))();

/** arrowFormat is how values of an Arrow column are shown. */
export function arrowFormat(t: DataType, field?: Field): ValueFormat {
  const ext = field?.metadata?.get('ARROW:extension:name') ?? '';
  switch (t.typeId) {
    case Type.Int:
      return fmt('int');
    case Type.Float:
      return fmt('float');
    case Type.Decimal:
      return fmt('decimal', { scale: (t as DataType & { scale: number }).scale });
    case Type.Bool:
      return fmt('bool');
    case Type.Utf8:
    case Type.LargeUtf8:
      return fmt(ext.endsWith('uuid') ? 'uuid' : 'string');
    case Type.Date:
      return fmt('date');
    case Type.Timestamp:
      return fmt('timestamp', { tz: !!(t as DataType & { timezone?: string | null }).timezone });
    case Type.Time:
      return fmt('time', { ticks: TICKS[(t as DataType & { unit: number }).unit] ?? 1 });
    case Type.Binary:
    case Type.LargeBinary:
      return fmt('binary');
    case Type.FixedSizeBinary:
      return fmt(ext.endsWith('uuid') ? 'uuid' : 'binary');
    case Type.Interval:
    case Type.Duration:
      return fmt('interval');
    case Type.Dictionary:
      return arrowFormat((t as DataType & { dictionary: DataType }).dictionary);
    case Type.List:
    case Type.FixedSizeList:
    case Type.Struct:
    case Type.Map:
    case Type.Union:
    case Type.DenseUnion:
    case Type.SparseUnion:
      return fmt('nested');
    default:
      return fmt('other');
  }
}

/** sqlFormat is how values of a column of DuckDB type `type` are shown (for JSON values). */
export function sqlFormat(type: string): ValueFormat {
  const t = type.trim().toUpperCase();
  if (/[[\]]$/.test(t) || /^(STRUCT|MAP|UNION|LIST)\b/.test(t)) return fmt('nested');
  const dec = /^(DECIMAL|NUMERIC)\s*\(\s*\d+\s*,\s*(\d+)\s*\)/.exec(t);
  if (dec) return fmt('decimal', { scale: Number(dec[2]) });
  if (/^(DECIMAL|NUMERIC)\b/.test(t)) return fmt('decimal', { scale: 3 });
  if (/^(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|INT[1248]|U?HUGEINT|UBIGINT|LONG|SHORT|SIGNED)\b/.test(t) || t === 'INT' || t === 'INTEGER') return fmt('int');
  if (/^(DOUBLE|FLOAT|REAL|FLOAT[48])\b/.test(t)) return fmt('float');
  if (/^BOOL(EAN)?\b/.test(t)) return fmt('bool');
  if (/^TIMESTAMP(TZ| WITH TIME ZONE)/.test(t)) return fmt('timestamp', { tz: true });
  if (/^(TIMESTAMP|DATETIME)/.test(t)) return fmt('timestamp');
  if (t === 'DATE') return fmt('date');
  if (/^TIME\b/.test(t) || t === 'TIMETZ') return fmt('time');
  if (t === 'INTERVAL') return fmt('interval');
  if (/^(BLOB|BYTEA|BINARY|VARBINARY)\b/.test(t)) return fmt('binary');
  if (t === 'UUID') return fmt('uuid');
  if (/^(VARCHAR|TEXT|STRING|CHAR|BPCHAR|ENUM|JSON)\b/.test(t)) return fmt('string');
  return fmt('other');
}

/** isNumeric reports whether a format's values are numbers (right-aligned, chartable). */
export function isNumeric(f: ValueFormat): boolean {
  return f.kind === 'int' || f.kind === 'float' || f.kind === 'decimal';
}

/** isTemporal reports whether a format's values are dates or times. */
export function isTemporal(f: ValueFormat): boolean {
  return f.kind === 'date' || f.kind === 'timestamp';
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** formatFloat shows a double without binary noise: 6.8500000000000005 is 6.85. */
export function formatFloat(v: number): string {
  if (Number.isInteger(v) || !Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : String(v);
  return String(Number(v.toPrecision(15)));
}

/** formatTimestamp is epoch milliseconds as "2001-02-03 04:05:06" (".789" when there are
 * milliseconds), in UTC; "+00" marks a TIMESTAMPTZ. */
export function formatTimestamp(ms: number, tz = false): string {
  const d = new Date(ms);
  if (!Number.isFinite(ms) || Number.isNaN(d.getTime())) return String(ms);
  const iso = d.toISOString();
  const t = iso.indexOf('T');
  const frac = iso.slice(t + 9, t + 13);
  return `${iso.slice(0, t)} ${iso.slice(t + 1, t + 9)}${frac === '.000' ? '' : frac}${tz ? '+00' : ''}`;
}

/** formatDate is epoch milliseconds as "2001-02-03". */
export function formatDate(ms: number): string {
  const d = new Date(ms);
  if (!Number.isFinite(ms) || Number.isNaN(d.getTime())) return String(ms);
  const iso = d.toISOString();
  return iso.slice(0, iso.indexOf('T'));
}

/** formatTime is a time of day counted in ticks per second as "04:05:06" (with a fraction
 * when there is one). */
export function formatTime(v: number | bigint, ticks: number): string {
  const big = BigInt(v);
  const perSec = BigInt(ticks);
  const secs = Number(big / perSec);
  const frac = big % perSec;
  let s = `${pad(Math.floor(secs / 3600))}:${pad(Math.floor(secs / 60) % 60)}:${pad(secs % 60)}`;
  if (frac !== 0n) s += '.' + String(frac).padStart(String(ticks).length - 1, '0').replace(/0+$/, '');
  return s;
}

/** scaleDecimal places the point in an unscaled decimal: ("-12345", 3) is "-12.345". */
export function scaleDecimal(digits: string, scale: number): string {
  if (scale <= 0 || !/^-?\d+$/.test(digits)) return digits;
  const neg = digits.startsWith('-');
  const d = (neg ? digits.slice(1) : digits).padStart(scale + 1, '0');
  return `${neg ? '-' : ''}${d.slice(0, d.length - scale)}.${d.slice(d.length - scale)}`;
}

/** formatInterval is months, days and nanoseconds as "1 year 2 months 3 days 04:05:06". */
export function formatInterval(months: number, days: number, nanos: bigint): string {
  const parts: string[] = [];
  const y = Math.trunc(months / 12);
  const m = months % 12;
  if (y) parts.push(`${y} ${Math.abs(y) === 1 ? 'year' : 'years'}`);
  if (m) parts.push(`${m} ${Math.abs(m) === 1 ? 'month' : 'months'}`);
  if (days) parts.push(`${days} ${Math.abs(days) === 1 ? 'day' : 'days'}`);
  if (nanos !== 0n || parts.length === 0) {
    const neg = nanos < 0n;
    const t = formatTime(neg ? -nanos : nanos, 1e9);
    parts.push((neg ? '-' : '') + t);
  }
  return parts.join(' ');
}

function formatBinary(b: Uint8Array): string {
  let s = '';
  for (const c of b) s += c >= 0x20 && c < 0x7f && c !== 0x5c ? String.fromCharCode(c) : '\\x' + c.toString(16).toUpperCase().padStart(2, '0');
  return s;
}

function formatUUID(b: Uint8Array): string {
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** toJSONText is a nested value as compact JSON; 64-bit integers are written as numbers. */
export function toJSONText(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? (Number.isSafeInteger(Number(x)) ? Number(x) : String(x)) : x instanceof Uint8Array ? formatBinary(x) : x)) ?? String(v);
  } catch {
    return String(v);
  }
}

function formatIntervalValue(v: unknown): string {
  if (v instanceof Int32Array) {
    if (v.length === 4) {
      const nanos = (BigInt(v[3]!) << 32n) | BigInt(v[2]! >>> 0);
      return formatInterval(v[0]!, v[1]!, nanos);
    }
    if (v.length === 2) return formatInterval(0, v[0]!, BigInt(v[1]!) * 1_000_000n);
  }
  if (typeof v === 'bigint' || typeof v === 'number') return String(v);
  return toJSONText(v);
}

/** formatValue renders one Arrow value (as apache-arrow returns it) of a column shown as f. */
export function formatValue(v: unknown, f: ValueFormat): Cell {
  if (v === null || v === undefined) return null;
  switch (f.kind) {
    case 'int':
      return String(v);
    case 'float':
      return typeof v === 'number' ? formatFloat(v) : String(v);
    case 'decimal':
      return typeof v === 'number' ? (f.scale > 0 ? v.toFixed(f.scale) : String(v)) : scaleDecimal(String(v), f.scale);
    case 'bool':
      return v ? 'true' : 'false';
    case 'string':
      return String(v);
    case 'date':
      return typeof v === 'number' ? formatDate(v) : v instanceof Date ? formatDate(v.getTime()) : String(v);
    case 'timestamp':
      return typeof v === 'number' ? formatTimestamp(v, f.tz) : typeof v === 'bigint' ? formatTimestamp(Number(v), f.tz) : v instanceof Date ? formatTimestamp(v.getTime(), f.tz) : String(v);
    case 'time':
      return typeof v === 'number' || typeof v === 'bigint' ? formatTime(v, f.ticks) : String(v);
    case 'binary':
      return v instanceof Uint8Array ? formatBinary(v) : String(v);
    case 'uuid':
      return v instanceof Uint8Array ? formatUUID(v) : String(v);
    case 'interval':
      return formatIntervalValue(v);
    default:
      if (typeof v === 'string') return v;
      if (typeof v === 'number') return formatFloat(v);
      if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
      if (v instanceof Uint8Array) return formatBinary(v);
      return toJSONText(v);
  }
}

/** formatJSON renders a value of a table output's JSON (first page, summaries, pivots) as
 * formatValue renders the same value from Arrow. */
export function formatJSON(v: unknown, f: ValueFormat): Cell {
  if (v === null || v === undefined) return null;
  switch (f.kind) {
    case 'timestamp':
      if (typeof v === 'string') {
        const ms = Date.parse(/[zZ]|[+-]\d\d(:?\d\d)?$/.test(v) ? v : v.replace(' ', 'T') + 'Z');
        return Number.isNaN(ms) ? v : formatTimestamp(ms, f.tz);
      }
      return formatValue(v, f);
    case 'date':
      if (typeof v === 'string') return /^\d{4}-\d\d-\d\d/.test(v) ? v.slice(0, 10) : v;
      return formatValue(v, f);
    case 'decimal':
      return typeof v === 'number' ? (f.scale > 0 ? v.toFixed(f.scale) : String(v)) : String(v);
    case 'time':
    case 'interval':
    case 'binary':
    case 'uuid':
      return typeof v === 'string' ? v : toJSONText(v);
    case 'nested':
      return typeof v === 'string' ? v : toJSONText(v);
    case 'int':
      return typeof v === 'number' || typeof v === 'string' || typeof v === 'bigint' ? String(v) : toJSONText(v);
    default:
      return formatValue(v, f);
  }
}

export interface DecodedPage {
  names: string[];
  formats: ValueFormat[];
  /** Rows of display cells. */
  rows: Cell[][];
}

/** decodeRows decodes an Arrow IPC stream (schema and record batches) into display rows. */
export function decodeRows(bytes: Uint8Array): DecodedPage {
  if (bytes.byteLength === 0) return { names: [], formats: [], rows: [] };
  const table = tableFromIPC(bytes);
  const fields = table.schema.fields;
  const formats = fields.map((f) => arrowFormat(f.type, f));
  const n = table.numRows;
  const rows: Cell[][] = new Array(n);
  for (let r = 0; r < n; r++) rows[r] = new Array(fields.length);
  fields.forEach((_f, c) => {
    const vec = table.getChildAt(c);
    const f = formats[c]!;
    for (let r = 0; r < n; r++) rows[r]![c] = vec ? formatValue(vec.get(r), f) : null;
  });
  return { names: fields.map((f) => f.name), formats, rows };
}
