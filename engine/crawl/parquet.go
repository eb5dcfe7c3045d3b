package crawl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/apache/arrow-go/v18/parquet/schema"

	"github.com/lakebook/lakebook/engine/objstore"
	"github.com/lakebook/lakebook/engine/pqrange"
)

// MaxLayoutRanges bounds the ranges of a layout the catalog keeps per file (a few kilobytes of
// JSON), so that files of thousands of columns or row groups do not swell the catalog; a query
// reads their footers instead.
const MaxLayoutRanges = 512

// ErrNotParquet is returned (wrapped) for a file that is not Parquet.
var ErrNotParquet = errors.New("not a parquet file")

// readParquet fills f from the Parquet footer only: the reader fetches the
// object's tail (objstore.DefaultTail) in one ranged request, plus one more if
// the footer is larger than that.
func readParquet(ctx context.Context, store *objstore.Store, f *File) error {
	if f.Size < 12 {
		return fmt.Errorf("%w: only %d bytes", ErrNotParquet, f.Size)
	}
	r := store.ReaderAt(ctx, f.Key, f.Size)
	magic := make([]byte, 4)
	if _, err := r.ReadAt(magic, f.Size-4); err != nil {
		return err
	}
	if string(magic) != "PAR1" {
		if string(magic) == "PARE" {
			return errors.New("encrypted parquet footers are not supported")
		}
		return fmt.Errorf("%w: trailer is %q, want \"PAR1\"", ErrNotParquet, magic)
	}
	pr, err := file.NewParquetReader(r)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNotParquet, err)
	}
	md := pr.MetaData()
	f.Footer = int64(md.Size()) + 8
	if l, err := pqrange.FromMetadata(md, f.Size); err == nil && l.Len() <= MaxLayoutRanges {
		f.Layout = l
	}
	f.Rows = md.NumRows
	f.RowGroups = md.NumRowGroups()

	as, err := pqarrow.FromParquet(md.Schema, &pqarrow.ArrowReadProperties{}, md.KeyValueMetadata())
	if err != nil {
		return fmt.Errorf("parquet schema: %w", err)
	}
	f.Columns = make([]Column, 0, len(as.Fields()))
	for _, fld := range as.Fields() {
		f.Columns = append(f.Columns, Column{Name: fld.Name, Type: DuckDBType(fld.Type)})
	}
	f.Stats, err = fileStats(md)
	return err
}

// DuckDBType names the DuckDB type DuckDB's parquet reader gives an Arrow type.
func DuckDBType(t arrow.DataType) string {
	switch t := t.(type) {
	case *arrow.BooleanType:
		return "BOOLEAN"
	case *arrow.Int8Type:
		return "TINYINT"
	case *arrow.Int16Type:
		return "SMALLINT"
	case *arrow.Int32Type:
		return "INTEGER"
	case *arrow.Int64Type:
		return "BIGINT"
	case *arrow.Uint8Type:
		return "UTINYINT"
	case *arrow.Uint16Type:
		return "USMALLINT"
	case *arrow.Uint32Type:
		return "UINTEGER"
	case *arrow.Uint64Type:
		return "UBIGINT"
	case *arrow.Float16Type, *arrow.Float32Type:
		return "FLOAT"
	case *arrow.Float64Type:
		return "DOUBLE"
	case *arrow.StringType, *arrow.LargeStringType, *arrow.StringViewType:
		return "VARCHAR"
	case *arrow.BinaryType, *arrow.LargeBinaryType, *arrow.BinaryViewType, *arrow.FixedSizeBinaryType:
		return "BLOB"
	case *arrow.Date32Type, *arrow.Date64Type:
		return "DATE"
	case *arrow.Time32Type, *arrow.Time64Type:
		return "TIME"
	case *arrow.TimestampType:
		if t.TimeZone != "" {
			return "TIMESTAMP WITH TIME ZONE"
		}
		if t.Unit == arrow.Nanosecond {
			return "TIMESTAMP_NS"
		}
		return "TIMESTAMP"
	case *arrow.DurationType, *arrow.MonthIntervalType, *arrow.DayTimeIntervalType, *arrow.MonthDayNanoIntervalType:
		return "INTERVAL"
	case arrow.DecimalType:
		return fmt.Sprintf("DECIMAL(%d,%d)", t.GetPrecision(), t.GetScale())
	case *arrow.DictionaryType:
		return DuckDBType(t.ValueType)
	case *arrow.MapType:
		return fmt.Sprintf("MAP(%s, %s)", DuckDBType(t.KeyType()), DuckDBType(t.ItemType()))
	case arrow.ListLikeType:
		return DuckDBType(t.Elem()) + "[]"
	case *arrow.StructType:
		var b []string
		for _, fl := range t.Fields() {
			b = append(b, quoteIdent(fl.Name)+" "+DuckDBType(fl.Type))
		}
		return "STRUCT(" + strings.Join(b, ", ") + ")"
	case arrow.ExtensionType:
		if t.ExtensionName() == "arrow.uuid" {
			return "UUID"
		}
		return DuckDBType(t.StorageType())
	case *arrow.NullType:
		return "INTEGER" // DuckDB reads an all-null column as INTEGER
	}
	return "BLOB"
}

func quoteIdent(s string) string {
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
		}
	}
	return s
}

// fileStats merges row-group statistics of top-level primitive columns.
func fileStats(md *metadata.FileMetaData) (map[string]ColumnStats, error) {
	out := map[string]ColumnStats{}
	sc := md.Schema
	for ci := 0; ci < sc.NumColumns(); ci++ {
		col := sc.Column(ci)
		if len(col.ColumnPath()) != 1 {
			continue // nested
		}
		var acc merger
		nulls, haveNulls, haveMinMax := int64(0), true, md.NumRowGroups() > 0
		for rg := 0; rg < md.NumRowGroups(); rg++ {
			cc, err := md.RowGroup(rg).ColumnChunk(ci)
			if err != nil {
				return nil, fmt.Errorf("column %s: %w", col.Name(), err)
			}
			st, err := cc.Statistics()
			if err != nil || st == nil {
				haveNulls, haveMinMax = false, false
				continue
			}
			if st.HasNullCount() {
				nulls += st.NullCount()
			} else {
				haveNulls = false
			}
			if !st.HasMinMax() {
				// all-null row groups have no min/max and do not matter
				if !(st.HasNullCount() && st.NullCount() == md.RowGroup(rg).NumRows()) {
					haveMinMax = false
				}
				continue
			}
			if haveMinMax {
				haveMinMax = acc.add(col, st)
			}
		}
		cs := ColumnStats{NullCount: -1}
		if haveNulls {
			cs.NullCount = nulls
		}
		if haveMinMax && acc.set {
			cs.Min, cs.Max, cs.HasMinMax = acc.min, acc.max, true
		}
		if cs.HasMinMax || cs.NullCount >= 0 {
			out[col.Name()] = cs
		}
	}
	return out, nil
}

// merger keeps the running min/max of one column as typed values and
// renders them as text.
type merger struct {
	set      bool
	min, max string
	// typed running values
	imin, imax int64
	fmin, fmax float64
	bmin, bmax []byte
}

// add merges st; false when the column's type is not one we render.
func (m *merger) add(col *schema.Column, st metadata.TypedStatistics) bool {
	lt := col.LogicalType()
	switch s := st.(type) {
	case *metadata.BooleanStatistics:
		lo, hi := b2i(s.Min()), b2i(s.Max())
		m.mergeInt(lo, hi)
		m.min, m.max = strconv.FormatBool(m.imin == 1), strconv.FormatBool(m.imax == 1)
	case *metadata.Int32Statistics:
		if unsigned(lt) {
			m.mergeInt(int64(uint32(s.Min())), int64(uint32(s.Max())))
		} else {
			m.mergeInt(int64(s.Min()), int64(s.Max()))
		}
		return m.render(lt)
	case *metadata.Int64Statistics:
		if unsigned(lt) {
			return false // UBIGINT above 2^63 does not fit our int64 accumulator
		}
		m.mergeInt(s.Min(), s.Max())
		return m.render(lt)
	case *metadata.Float32Statistics:
		m.mergeFloat(float64(s.Min()), float64(s.Max()))
		m.min, m.max = strconv.FormatFloat(m.fmin, 'g', -1, 32), strconv.FormatFloat(m.fmax, 'g', -1, 32)
	case *metadata.Float64Statistics:
		m.mergeFloat(s.Min(), s.Max())
		m.min, m.max = strconv.FormatFloat(m.fmin, 'g', -1, 64), strconv.FormatFloat(m.fmax, 'g', -1, 64)
	case *metadata.ByteArrayStatistics:
		isString := col.ConvertedType() == schema.ConvertedTypes.UTF8
		switch lt.(type) {
		case schema.StringLogicalType, *schema.StringLogicalType, schema.EnumLogicalType, *schema.EnumLogicalType, schema.JSONLogicalType, *schema.JSONLogicalType:
			isString = true
		}
		if !isString {
			return false
		}
		lo, hi := []byte(s.Min()), []byte(s.Max())
		if !m.set || bytes.Compare(lo, m.bmin) < 0 {
			m.bmin = bytes.Clone(lo)
		}
		if !m.set || bytes.Compare(hi, m.bmax) > 0 {
			m.bmax = bytes.Clone(hi)
		}
		m.set = true
		m.min, m.max = string(m.bmin), string(m.bmax)
	default:
		return false
	}
	return true
}

func unsigned(lt schema.LogicalType) bool {
	switch t := lt.(type) {
	case schema.IntLogicalType:
		return !t.IsSigned()
	case *schema.IntLogicalType:
		return !t.IsSigned()
	}
	return false
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func (m *merger) mergeInt(lo, hi int64) {
	if !m.set {
		m.imin, m.imax, m.set = lo, hi, true
		return
	}
	m.imin, m.imax = min(m.imin, lo), max(m.imax, hi)
}

func (m *merger) mergeFloat(lo, hi float64) {
	if !m.set {
		m.fmin, m.fmax, m.set = lo, hi, true
		return
	}
	m.fmin, m.fmax = min(m.fmin, lo), max(m.fmax, hi)
}

// render formats the integer accumulator per the logical type.
func (m *merger) render(lt schema.LogicalType) bool {
	switch t := lt.(type) {
	case schema.DateLogicalType, *schema.DateLogicalType:
		f := func(d int64) string { return time.Unix(d*86400, 0).UTC().Format("2006-01-02") }
		m.min, m.max = f(m.imin), f(m.imax)
	case schema.TimestampLogicalType:
		m.min, m.max = fmtTS(m.imin, t.TimeUnit()), fmtTS(m.imax, t.TimeUnit())
	case *schema.TimestampLogicalType:
		m.min, m.max = fmtTS(m.imin, t.TimeUnit()), fmtTS(m.imax, t.TimeUnit())
	case schema.DecimalLogicalType:
		m.min, m.max = fmtDecimal(m.imin, t.Scale()), fmtDecimal(m.imax, t.Scale())
	case *schema.DecimalLogicalType:
		m.min, m.max = fmtDecimal(m.imin, t.Scale()), fmtDecimal(m.imax, t.Scale())
	case schema.TimeLogicalType, *schema.TimeLogicalType, schema.Float16LogicalType, *schema.Float16LogicalType:
		return false
	default:
		m.min, m.max = strconv.FormatInt(m.imin, 10), strconv.FormatInt(m.imax, 10)
	}
	return true
}

func fmtTS(v int64, unit schema.TimeUnitType) string {
	var t time.Time
	switch unit {
	case schema.TimeUnitMillis:
		t = time.UnixMilli(v)
	case schema.TimeUnitMicros:
		t = time.UnixMicro(v)
	default:
		t = time.Unix(0, v)
	}
	return t.UTC().Format("2006-01-02 15:04:05.999999999")
}

func fmtDecimal(v int64, scale int32) string {
	r := new(big.Rat).SetFrac(big.NewInt(v), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil))
	return r.FloatString(int(scale))
}

var _ parquet.ReaderAtSeeker = (*objstore.ObjectReader)(nil)
