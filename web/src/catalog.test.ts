import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type CatalogTable, catalogColumns, changeDetails, changeSummary, rowsText, sqlIdent, tableFacts } from './catalog';
import { padInsertion } from './editor';
import { applyEvent, type NotebookState } from './state';
import { formatBytes, formatCount, formatProgress, formatSeconds, formatStats, progressFraction } from './stats';
import type { RunStats, ServerEvent } from './types';

const table = (extra: Partial<CatalogTable> = {}): CatalogTable => ({
  name: 'parts',
  location: 'file:///ws/data/parts',
  format: 'parquet',
  columns: [{ name: 'n', type: 'BIGINT' }],
  partitionKeys: [{ name: 'k', type: 'BIGINT' }],
  partitions: 3,
  files: 3,
  rows: 30,
  bytes: 1536,
  crawledAt: '2026-01-02T03:04:05Z',
  ...extra,
});

describe('sizes and counts', () => {
  test('formatBytes uses decimal units and about three digits', () => {
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(999), '999 B');
    assert.equal(formatBytes(1000), '1.0 kB');
    assert.equal(formatBytes(1536), '1.5 kB');
    assert.equal(formatBytes(12_300_000), '12.3 MB');
    assert.equal(formatBytes(123_456_789), '123 MB');
    assert.equal(formatBytes(999_400), '999 kB');
    assert.equal(formatBytes(999_960), '1.0 MB');
    assert.equal(formatBytes(40e9), '40.0 GB');
    assert.equal(formatBytes(-1), '?');
    assert.equal(formatBytes(Number.NaN), '?');
  });

  test('formatCount separates thousands', () => {
    assert.equal(formatCount(0), '0');
    assert.equal(formatCount(1234), '1,234');
    assert.equal(formatCount(3_000_000), '3,000,000');
  });

  test('formatSeconds', () => {
    assert.equal(formatSeconds(4), '4 ms');
    assert.equal(formatSeconds(420), '0.42 s');
    assert.equal(formatSeconds(3140), '3.14 s');
    assert.equal(formatSeconds(12_345), '12.3 s');
    assert.equal(formatSeconds(125_000), '2m 05s');
  });
});

describe('crawl changes', () => {
  test('summary counts each kind of change', () => {
    assert.equal(
      changeSummary({ new_partitions: ['k=0', 'k=1', 'k=2'], new_columns: [{ name: 'x', type: 'INTEGER' }], files_read: 3 }),
      '3 new partitions, 1 new column',
    );
    assert.equal(
      changeSummary({
        removed_partitions: ['k=9'],
        changed_columns: [{ name: 'n', old_type: 'INTEGER', new_type: 'BIGINT' }],
        removed_columns: [{ name: 'a', type: 'VARCHAR' }, { name: 'b', type: 'VARCHAR' }],
        new_files: ['a'],
        changed_files: ['b', 'c'],
        removed_files: ['d'],
        files_read: 3,
      }),
      '1 removed partition, 1 changed column, 2 removed columns, 1 new file, 2 changed files, 1 removed file',
    );
  });

  test('nothing changed', () => {
    assert.equal(changeSummary({ files_read: 0 }), 'no changes');
    assert.equal(changeSummary({ new_partitions: [], new_files: null, files_read: 2 }), 'no changes');
    assert.equal(changeSummary(null), 'no changes');
    assert.equal(changeSummary(undefined), 'no changes');
  });

  test('counts given as numbers work too', () => {
    assert.equal(changeSummary({ new_partitions: 2 as unknown as string[] }), '2 new partitions');
  });

  test('details list what changed, capped', () => {
    assert.deepEqual(changeDetails({ new_partitions: ['k=0'], changed_columns: [{ name: 'n', old_type: 'INTEGER', new_type: 'BIGINT' }], files_read: 1 }), [
      '+ partition k=0',
      '~ column n: INTEGER → BIGINT',
      '1 file read',
    ]);
    const many = changeDetails({ new_files: Array.from({ length: 30 }, (_, i) => `f${i}`) }, 5);
    assert.equal(many.length, 5);
    assert.equal(many[4], '… 26 more');
    assert.deepEqual(changeDetails(null), []);
  });
});

describe('tables', () => {
  test('facts: rows, partitions, files, size', () => {
    assert.deepEqual(tableFacts(table()), ['30 rows', '3 partitions', '3 files', '1.5 kB']);
    assert.deepEqual(tableFacts(table({ partitionKeys: [], partitions: 0, files: 1, rows: -1, bytes: 2_500_000 })), ['? rows', '1 file', '2.5 MB']);
    assert.deepEqual(tableFacts(table({ partitionKeys: null, partitions: 1, rows: 1 })), ['1 row', '1 partition', '3 files', '1.5 kB']);
  });

  test('rowsText', () => {
    assert.equal(rowsText(0), '0 rows');
    assert.equal(rowsText(1), '1 row');
    assert.equal(rowsText(1234567), '1,234,567 rows');
    assert.equal(rowsText(-1), '? rows');
  });

  test('columns mark partition keys; keys not among the columns come last', () => {
    assert.deepEqual(catalogColumns(table()), [
      { name: 'n', type: 'BIGINT', partition: false },
      { name: 'k', type: 'BIGINT', partition: true },
    ]);
    const both = catalogColumns(table({ columns: [{ name: 'k', type: 'BIGINT' }, { name: 'n', type: 'BIGINT' }] }));
    assert.deepEqual(both.map((c) => [c.name, c.partition]), [['k', true], ['n', false]]);
    assert.deepEqual(catalogColumns(table({ columns: null, partitionKeys: null })), []);
  });

  test('sqlIdent quotes only what needs it', () => {
    assert.equal(sqlIdent('parts'), 'parts');
    assert.equal(sqlIdent('Flight_Delay2'), 'Flight_Delay2');
    assert.equal(sqlIdent('order'), '"order"');
    assert.equal(sqlIdent('Group'), '"Group"');
    assert.equal(sqlIdent('my table'), '"my table"');
    assert.equal(sqlIdent('2024'), '"2024"');
    assert.equal(sqlIdent('a"b'), '"a""b"');
    assert.equal(sqlIdent('café'), '"café"');
  });
});

describe('inserting names', () => {
  test('padInsertion keeps words apart', () => {
    assert.equal(padInsertion('', '', 'parts'), 'parts');
    assert.equal(padInsertion('m', '', 'parts'), ' parts'); // "from|"
    assert.equal(padInsertion(' ', '', 'parts'), 'parts');
    assert.equal(padInsertion('.', '', 'n'), 'n'); // "parts.|"
    assert.equal(padInsertion('(', ')', 'n'), 'n');
    assert.equal(padInsertion(' ', 'w', 'parts'), 'parts '); // "from |where"
    assert.equal(padInsertion('t', 'x', 'k'), ' k ');
    assert.equal(padInsertion(',', ' ', 'k'), 'k');
    assert.equal(padInsertion('m', '', '"my t"'), ' "my t"');
    assert.equal(padInsertion('m', 'x', ''), '');
  });
});

describe('stats line', () => {
  const stats = (extra: Partial<RunStats> = {}): RunStats => ({
    elapsedMs: 420,
    rows: 1234,
    bytesFetched: 0,
    cacheHits: 0,
    filesScanned: 0,
    filesPruned: 0,
    bytesScanned: 0,
    ...extra,
  });

  test('everything', () => {
    assert.equal(
      formatStats(stats({ bytesFetched: 12_300_000, cacheHits: 3, filesScanned: 4, filesPruned: 44 })),
      '0.42 s · 1,234 rows · 12.3 MB fetched · 3 cache hits · 4 files scanned, 44 pruned',
    );
  });

  test('zero parts are left out, rows are kept', () => {
    assert.equal(formatStats(stats()), '0.42 s · 1,234 rows');
    assert.equal(formatStats(stats({ rows: 0 })), '0.42 s · 0 rows');
    assert.equal(formatStats(stats({ rows: 1, cacheHits: 1, filesScanned: 1 })), '0.42 s · 1 row · 1 cache hit · 1 file scanned');
  });

  test('bytes scanned and pruning without scans', () => {
    assert.equal(formatStats(stats({ filesScanned: 1, filesPruned: 2, bytesScanned: 2048 })), '0.42 s · 1,234 rows · 1 file scanned (2.0 kB), 2 pruned');
    assert.equal(formatStats(stats({ filesPruned: 3 })), '0.42 s · 1,234 rows · 0 files scanned, 3 pruned');
    assert.equal(formatStats(stats({ bytesScanned: 5_000_000 })), '0.42 s · 1,234 rows · 5.0 MB scanned');
  });

  test('missing fields do not print NaN', () => {
    const s = { elapsedMs: 12 } as RunStats;
    assert.equal(formatStats(s), '0.01 s');
  });
});

describe('progress', () => {
  test('queued', () => {
    assert.equal(formatProgress({ phase: 'queued', position: 2 }), 'queued (position 2)');
    assert.equal(formatProgress({ phase: 'queued' }), 'queued');
    assert.equal(progressFraction({ phase: 'queued', position: 1 }), null);
  });

  test('fetching', () => {
    const p = { phase: 'fetching', files: 3, filesTotal: 10, bytes: 12_000_000, bytesTotal: 40_000_000 };
    assert.equal(formatProgress(p), 'fetching 3/10 files · 12.0 MB of 40.0 MB');
    assert.equal(progressFraction(p), 0.3);
    assert.equal(formatProgress({ phase: 'fetching', files: 0, filesTotal: 1, bytes: 0, bytesTotal: 0 }), 'fetching 0/1 file');
    assert.equal(progressFraction({ phase: 'fetching', files: 1, filesTotal: 4, bytes: 0, bytesTotal: 0 }), 0.25);
    assert.equal(formatProgress({ phase: 'fetching', files: 2, bytes: 1500 }), 'fetching 2 files · 1.5 kB');
  });

  test('running, and nothing known', () => {
    assert.equal(formatProgress({ phase: 'running', files: 0, filesTotal: 0, bytes: 0, bytesTotal: 0 }), 'running');
    assert.equal(formatProgress({ phase: 'running', files: 3, filesTotal: 3, percent: 42.7 }), 'running 42%');
    assert.equal(progressFraction({ phase: 'running', percent: 42.5 }), 0.425);
    assert.equal(progressFraction({ phase: 'running', files: 3, filesTotal: 3 }), null);
    assert.equal(progressFraction({ phase: 'running' }), null);
    assert.equal(progressFraction({ phase: 'fetching', bytes: 50, bytesTotal: 40 }), 1);
  });
});

describe('progress and stats in the state', () => {
  const start = (): NotebookState => {
    const s = applyEvent(null, { type: 'notebook', notebook: { id: 'n', name: 'nb', paragraphs: [{ id: 'a', lang: 'sql', text: 'select 1', rev: 1 }] } }, 0);
    assert.ok(s);
    return s;
  };
  const apply = (s: NotebookState, ...evs: ServerEvent[]) => {
    let t: NotebookState | null = s;
    for (const ev of evs) t = applyEvent(t, ev, 1);
    assert.ok(t);
    return t;
  };
  const run = (s: NotebookState) => s.paragraphs[0]!.run;
  const stats: RunStats = { elapsedMs: 5, rows: 10, bytesFetched: 0, cacheHits: 0, filesScanned: 1, filesPruned: 2, bytesScanned: 100 };

  test('progress follows the run and goes when it ends; stats stay', () => {
    let s = apply(start(), { type: 'status', id: 'a', runId: 1, status: 'PENDING' });
    s = apply(s, { type: 'progress', id: 'a', runId: 1, progress: { phase: 'queued', position: 2 } });
    assert.deepEqual(run(s)?.progress, { phase: 'queued', position: 2 });
    s = apply(s, { type: 'status', id: 'a', runId: 1, status: 'RUNNING' });
    assert.deepEqual(run(s)?.progress, { phase: 'queued', position: 2 }, 'a status without progress keeps the last one');
    s = apply(s, { type: 'progress', id: 'a', runId: 1, progress: { phase: 'fetching', files: 1, filesTotal: 3 } });
    assert.equal(run(s)?.progress?.phase, 'fetching');
    s = apply(s, { type: 'status', id: 'a', runId: 1, status: 'FINISHED', elapsedMs: 5, stats });
    assert.equal(run(s)?.progress, null);
    assert.deepEqual(run(s)?.stats, stats);
    const late = apply(s, { type: 'progress', id: 'a', runId: 1, progress: { phase: 'fetching' } });
    assert.equal(late, s, 'a late progress report of an ended run changes nothing');
  });

  test('a new run clears the old stats; progress of an older run is ignored', () => {
    let s = apply(start(), { type: 'status', id: 'a', runId: 1, status: 'FINISHED', stats });
    s = apply(s, { type: 'status', id: 'a', runId: 2, status: 'PENDING' });
    assert.equal(run(s)?.stats, null);
    const old = apply(s, { type: 'progress', id: 'a', runId: 1, progress: { phase: 'fetching' } });
    assert.equal(old, s);
  });

  test('progress of a run not seen yet starts it', () => {
    const s = apply(start(), { type: 'progress', id: 'a', runId: 4, progress: { phase: 'queued', position: 1 } });
    assert.equal(run(s)?.runId, 4);
    assert.equal(run(s)?.status, 'PENDING');
    const t = apply(start(), { type: 'progress', id: 'a', runId: 4, progress: { phase: 'fetching' } });
    assert.equal(run(t)?.status, 'RUNNING');
  });

  test('snapshots carry stats, and progress only while active', () => {
    const snap = (status: 'RUNNING' | 'FINISHED') =>
      applyEvent(null, {
        type: 'notebook',
        notebook: { id: 'n', name: 'nb', paragraphs: [{ id: 'a', lang: 'sql', text: '', rev: 1, run: { runId: 1, status, stats, progress: { phase: 'running' } } }] },
      }, 0)!;
    assert.deepEqual(run(snap('RUNNING'))?.progress, { phase: 'running' });
    assert.equal(run(snap('FINISHED'))?.progress, null);
    assert.deepEqual(run(snap('FINISHED'))?.stats, stats);
  });
});
