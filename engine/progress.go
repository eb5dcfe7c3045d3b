package engine

import (
	"database/sql"
	"reflect"
	"unsafe"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/duckdb/duckdb-go/v2/mapping"
)

// progressHandle is the C handle of a session's DuckDB connection, for reading the progress of
// the query running on it from another goroutine. duckdb-go does not expose
// duckdb_query_progress, and database/sql holds the connection for the whole query, so the
// handle is taken once, when the session opens, from the driver connection's field. If the
// driver's layout changes the handle is nil and progress is simply not reported.
type progressHandle struct {
	conn mapping.Connection
	ok   bool
}

func newProgressHandle(c *sql.Conn) progressHandle {
	var h progressHandle
	c.Raw(func(dc any) error {
		dcc, ok := dc.(*duckdb.Conn)
		if !ok {
			return nil
		}
		f := reflect.ValueOf(dcc).Elem().FieldByName("conn")
		if !f.IsValid() || f.Type() != reflect.TypeFor[mapping.Connection]() {
			return nil
		}
		h.conn = *(*mapping.Connection)(unsafe.Pointer(f.UnsafeAddr()))
		h.ok = h.conn.Ptr != nil
		return nil
	})
	return h
}

// percent is DuckDB's estimate of how far the running query is, 0–100, or -1 when unknown
// (no query, or one whose size DuckDB cannot estimate).
func (h progressHandle) percent() float64 {
	if !h.ok {
		return -1
	}
	p := mapping.QueryProgress(h.conn)
	pct, _, _ := mapping.QueryProgressTypeMembers(&p)
	return pct
}
