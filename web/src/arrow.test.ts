import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  Bool, DateDay, Decimal, Field, Float64, Int32, Int64, List, makeData, makeVector, Struct, Table, tableToIPC, Timestamp,
  TimestampMicrosecond, TimeMicrosecond, TimeUnit, Utf8, vectorFromArray,
} from 'apache-arrow';
import {
  decodeRows, formatDate, formatFloat, formatInterval, formatJSON, formatTime, formatTimestamp, formatValue, isNumeric, scaleDecimal, sqlFormat,
} from './arrow';

/** decimalWords is a 128-bit two's complement integer as four little-endian 32-bit words. */
function decimalWords(values: bigint[]): Uint32Array {
  const words = new Uint32Array(values.length * 4);
  values.forEach((x, i) => {
    let v = BigInt.asUintN(128, x);
    for (let w = 0; w < 4; w++) {
      words[i * 4 + w] = Number(v & 0xffffffffn);
      v >>= 32n;
    }
  });
  return words;
}

describe('value text', () => {
  test('timestamps, dates and times', () => {
    assert.equal(formatTimestamp(Date.UTC(2001, 1, 3, 4, 5, 6, 789)), '2001-02-03 04:05:06.789');
    assert.equal(formatTimestamp(Date.UTC(2001, 1, 3, 4, 5, 6)), '2001-02-03 04:05:06');
    assert.equal(formatTimestamp(Date.UTC(2001, 1, 3), true), '2001-02-03 00:00:00+00');
    assert.equal(formatTimestamp(Date.UTC(1969, 11, 31, 23, 59, 59)), '1969-12-31 23:59:59');
    assert.equal(formatDate(Date.UTC(2001, 1, 3)), '2001-02-03');
    assert.equal(formatTime(14706000000n, 1e6), '04:05:06');
    assert.equal(formatTime(14706500000n, 1e6), '04:05:06.5');
    assert.equal(formatTime(3600, 1), '01:00:00');
    assert.equal(formatInterval(14, 3, 0n), '1 year 2 months 3 days');
    assert.equal(formatInterval(0, 0, 3_723_000_000_000n), '01:02:03');
    assert.equal(formatInterval(0, 1, 0n), '1 day');
  });

  test('numbers', () => {
    assert.equal(formatFloat(6.8500000000000005), '6.85');
    assert.equal(formatFloat(1e21), '1e+21');
    assert.equal(formatFloat(NaN), 'NaN');
    assert.equal(formatFloat(-Infinity), '-Infinity');
    assert.equal(scaleDecimal('125', 2), '1.25');
    assert.equal(scaleDecimal('-5', 3), '-0.005');
    assert.equal(scaleDecimal('123456789012345678123', 3), '123456789012345678.123');
    assert.equal(scaleDecimal('7', 0), '7');
  });

  test('JSON values read like Arrow values', () => {
    assert.equal(formatJSON('2001-02-03T04:05:06.789Z', sqlFormat('TIMESTAMP')), '2001-02-03 04:05:06.789');
    assert.equal(formatJSON('2001-02-03T04:05:06Z', sqlFormat('TIMESTAMP WITH TIME ZONE')), '2001-02-03 04:05:06+00');
    assert.equal(formatJSON('2001-02-03 04:05:06', sqlFormat('TIMESTAMP')), '2001-02-03 04:05:06');
    assert.equal(formatJSON('2001-02-03', sqlFormat('DATE')), '2001-02-03');
    assert.equal(formatJSON(1.2, sqlFormat('DECIMAL(10,2)')), '1.20');
    assert.equal(formatJSON('123456789012345678.123', sqlFormat('DECIMAL(38,3)')), '123456789012345678.123');
    assert.equal(formatJSON('9007199254740993', sqlFormat('BIGINT')), '9007199254740993');
    assert.equal(formatJSON(3000000, sqlFormat('BIGINT')), '3000000');
    assert.equal(formatJSON('Infinity', sqlFormat('DOUBLE')), 'Infinity');
    assert.equal(formatJSON(1.5, sqlFormat('FLOAT')), '1.5');
    assert.equal(formatJSON([1, 2], sqlFormat('INTEGER[]')), '[1,2]');
    assert.equal(formatJSON({ a: 1 }, sqlFormat('STRUCT("a" INTEGER)')), '{"a":1}');
    assert.equal(formatJSON(null, sqlFormat('VARCHAR')), null);
    assert.equal(formatJSON(true, sqlFormat('BOOLEAN')), 'true');
    assert.equal(formatJSON('3 days', sqlFormat('INTERVAL')), '3 days');
  });

  test('SQL types', () => {
    for (const t of ['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UBIGINT', 'UTINYINT', 'INT']) assert.equal(sqlFormat(t).kind, 'int', t);
    for (const t of ['DOUBLE', 'FLOAT', 'REAL']) assert.equal(sqlFormat(t).kind, 'float', t);
    assert.equal(sqlFormat('DECIMAL(18,4)').scale, 4);
    assert.ok(isNumeric(sqlFormat('DECIMAL(18,4)')));
    assert.equal(sqlFormat('VARCHAR').kind, 'string');
    assert.equal(sqlFormat('TIMESTAMP_NS').kind, 'timestamp');
    assert.equal(sqlFormat('TIMESTAMPTZ').tz, true);
    assert.equal(sqlFormat('MAP(INTEGER, VARCHAR)').kind, 'nested');
    assert.equal(sqlFormat('INTEGER[3]').kind, 'nested');
    assert.equal(sqlFormat('BLOB').kind, 'binary');
  });
});

describe('decodeRows', () => {
  test('decodes an Arrow stream into display cells', () => {
    const ts = Date.UTC(2001, 0, 1, 6, 30);
    const table = new Table({
      n: vectorFromArray([1, null, 3], new Int32()),
      big: vectorFromArray([9007199254740993n, 2n, null], new Int64()),
      x: vectorFromArray([1.5, 6.8500000000000005, null], new Float64()),
      s: vectorFromArray(['a', null, 'c'], new Utf8()),
      b: vectorFromArray([true, false, null], new Bool()),
      d: vectorFromArray([new Date(Date.UTC(2001, 1, 3)), null, null], new DateDay()),
      t: vectorFromArray([ts, null, ts + 789], new TimestampMicrosecond()),
      tz: vectorFromArray([ts, null, null], new Timestamp(TimeUnit.MICROSECOND, 'UTC')),
      tm: vectorFromArray([14706000000n, null, null], new TimeMicrosecond()),
      l: vectorFromArray([[1, 2], null, []], new List(new Field('item', new Int32()))),
      st: vectorFromArray([{ a: 1 }, null, { a: 2 }], new Struct([new Field('a', new Int32())])),
      dec: makeVector(makeData({ type: new Decimal(3, 38, 128), length: 3, nullCount: 0, data: decimalWords([123456n, -5n, 0n]) })),
    });
    const page = decodeRows(tableToIPC(table, 'stream'));
    assert.deepEqual(page.names, ['n', 'big', 'x', 's', 'b', 'd', 't', 'tz', 'tm', 'l', 'st', 'dec']);
    assert.deepEqual(page.formats.map((f) => f.kind), ['int', 'int', 'float', 'string', 'bool', 'date', 'timestamp', 'timestamp', 'time', 'nested', 'nested', 'decimal']);
    assert.deepEqual(page.rows[0], ['1', '9007199254740993', '1.5', 'a', 'true', '2001-02-03', '2001-01-01 06:30:00', '2001-01-01 06:30:00+00', '04:05:06', '[1,2]', '{"a":1}', '123.456']);
    assert.deepEqual(page.rows[1], [null, '2', '6.85', null, 'false', null, null, null, null, null, null, '-0.005']);
    assert.deepEqual(page.rows[2]!.slice(6, 7), ['2001-01-01 06:30:00.789']);
    assert.equal(page.rows[2]![11], '0.000');
    assert.equal(page.rows[2]![9], '[]');
  });

  test('an empty payload is no rows', () => {
    assert.deepEqual(decodeRows(new Uint8Array()), { names: [], formats: [], rows: [] });
  });

  test('formatValue of nulls and odd values', () => {
    assert.equal(formatValue(null, sqlFormat('INTEGER')), null);
    assert.equal(formatValue(new Uint8Array([0x61, 0x00]), sqlFormat('BLOB')), 'a\\x00');
    assert.equal(formatValue(new Int32Array([1, 3, 0, 0]), sqlFormat('INTERVAL')), '1 month 3 days');
  });
});
