// Package pqrange finds the byte ranges of a Parquet file that a scan of some of its columns
// reads, so that lakebook fetches only those from object storage: the local copy is a sparse
// file of the object's size whose other bytes are holes DuckDB's reader never touches. DuckDB
// reads the footer, then per row group and projected column the column chunk (dictionary page
// and data pages, which lie together), and, for equality filters, the column's bloom filter;
// page indexes are included too, for readers that use them.
package pqrange

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/parquet/metadata"

	"github.com/lakebook/lakebook/engine/objstore"
)

// MergeGap is the largest gap between two ranges that Ranges fetches rather than skips: one
// request for both costs less than a second round trip for a few kilobytes.
const MergeGap = 64 << 10

// ErrNotParquet is returned (wrapped) when the tail does not end a Parquet file.
var ErrNotParquet = errors.New("not a parquet file")

// ShortTailError says the tail given to Parse holds only part of the footer: Need is how many
// bytes at the end of the file the footer and its trailer take.
type ShortTailError struct{ Need int64 }

func (e *ShortTailError) Error() string {
	return fmt.Sprintf("pqrange: the footer needs the last %d bytes", e.Need)
}

// Layout is where the footer and each column's bytes lie in one Parquet file. It is kept in
// the catalog as JSON, so that a query need not read the footer first.
type Layout struct {
	Footer objstore.Range              `json:"footer"`          // the footer and its 8-byte trailer
	Cols   map[string][]objstore.Range `json:"cols"`            // by lower-cased top-level column name
	Whole  bool                        `json:"whole,omitempty"` // a structure of unknown end: read the whole file
}

// Parse reads the layout from tail, the last len(tail) bytes of a Parquet file of size bytes.
// A tail shorter than the footer gives a *ShortTailError saying how much is needed.
func Parse(tail []byte, size int64) (*Layout, error) {
	if int64(len(tail)) > size {
		return nil, fmt.Errorf("pqrange: a tail of %d bytes of a %d-byte file", len(tail), size)
	}
	if len(tail) < 8 || size < 12 {
		return nil, fmt.Errorf("%w: only %d bytes", ErrNotParquet, size)
	}
	trailer := tail[len(tail)-8:]
	if string(trailer[4:]) != "PAR1" {
		return nil, fmt.Errorf("%w: trailer is %q, want \"PAR1\"", ErrNotParquet, trailer[4:])
	}
	n := int64(binary.LittleEndian.Uint32(trailer[:4]))
	need := n + 8
	if need+4 > size {
		return nil, fmt.Errorf("%w: footer of %d bytes in a %d-byte file", ErrNotParquet, n, size)
	}
	if need > int64(len(tail)) {
		return nil, &ShortTailError{Need: need}
	}
	md, err := metadata.NewFileMetaData(tail[int64(len(tail))-need:len(tail)-8], nil)
	if err != nil {
		return nil, fmt.Errorf("%w: footer: %v", ErrNotParquet, err)
	}
	return FromMetadata(md, size)
}

// FromMetadata returns the layout of a Parquet file of size bytes whose footer is md.
func FromMetadata(md *metadata.FileMetaData, size int64) (*Layout, error) {
	need := int64(md.Size()) + 8
	l := &Layout{Footer: objstore.Range{Off: size - need, Len: need}, Cols: map[string][]objstore.Range{}}
	add := func(name string, off, n int64) {
		if off < 4 || n <= 0 || off+n > size-need {
			// Out of the data area: a writer's bug or a lie; only the whole file is safe.
			l.Whole = true
			return
		}
		l.Cols[name] = append(l.Cols[name], objstore.Range{Off: off, Len: n})
	}
	for i := range md.NumRowGroups() {
		rg := md.RowGroup(i)
		for j := range rg.NumColumns() {
			cc, err := rg.ColumnChunk(j)
			if err != nil {
				return nil, fmt.Errorf("%w: row group %d column %d: %v", ErrNotParquet, i, j, err)
			}
			if cc.FilePath() != "" {
				return nil, fmt.Errorf("pqrange: column chunk in another file %q", cc.FilePath())
			}
			path := cc.PathInSchema()
			if len(path) == 0 {
				return nil, fmt.Errorf("%w: row group %d column %d has no path", ErrNotParquet, i, j)
			}
			name := strings.ToLower(path[0])
			// The chunk starts at its dictionary page when it has one (DuckDB takes an offset
			// below 4 for "none", as some writers wrote 0).
			start := cc.DataPageOffset()
			if cc.HasDictionaryPage() && cc.DictionaryPageOffset() >= 4 && cc.DictionaryPageOffset() < start {
				start = cc.DictionaryPageOffset()
			}
			add(name, start, cc.TotalCompressedSize())
			if off := cc.BloomFilterOffset(); off > 0 {
				if cc.BloomFilterLength() <= 0 {
					l.Whole = true // a bloom filter of unknown length
				} else {
					add(name, off, int64(cc.BloomFilterLength()))
				}
			}
			for _, loc := range []*metadata.IndexLocation{cc.GetColumnIndexLocation(), cc.GetOffsetIndexLocation()} {
				if loc != nil {
					add(name, loc.Offset, int64(loc.Length))
				}
			}
		}
	}
	return l, nil
}

// Ranges returns the ranges a scan of the named top-level columns reads: the footer and every
// range of those columns, sorted, with overlapping ranges and gaps up to MergeGap merged, and
// the file's leading magic. Names are matched without regard to case, as DuckDB binds them;
// names the file lacks are ignored (partition keys, columns of other files). nil means the
// whole file: the layout has a structure it cannot bound.
func (l *Layout) Ranges(columns []string) []objstore.Range {
	if l.Whole {
		return nil
	}
	rs := []objstore.Range{{Off: 0, Len: 4}, l.Footer}
	for _, c := range columns {
		rs = append(rs, l.Cols[strings.ToLower(c)]...)
	}
	return objstore.MergeRanges(rs, MergeGap)
}

// Len is the number of ranges the layout holds, a measure of its size in the catalog.
func (l *Layout) Len() int {
	n := 1
	for _, rs := range l.Cols {
		n += len(rs)
	}
	return n
}
