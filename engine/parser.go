package engine

import (
	"errors"
	"fmt"
	"sync"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/duckdb/duckdb-go/v2/mapping"
)

// parser counts the statements of a paragraph with DuckDB's own parser.
//
// duckdb_extract_statements needs a connection, and the driver keeps the native handle of its
// connections private, so the parser owns a tiny separate database (one thread, no file access)
// that only ever parses: extraction touches no catalog, so the answer is the same as the real
// database would give.
type parser struct {
	mu   sync.Mutex
	db   mapping.Database
	conn mapping.Connection
}

func newParser() (*parser, error) {
	var cfg mapping.Config
	if mapping.CreateConfig(&cfg) == mapping.StateError {
		return nil, errors.New("parser: create config")
	}
	defer mapping.DestroyConfig(&cfg)
	for k, v := range map[string]string{"threads": "1", "enable_external_access": "false"} {
		if mapping.SetConfig(cfg, k, v) == mapping.StateError {
			return nil, fmt.Errorf("parser: set %s", k)
		}
	}
	p := &parser{}
	var msg string
	if mapping.OpenExt("", &p.db, cfg, &msg) == mapping.StateError {
		mapping.Close(&p.db)
		return nil, fmt.Errorf("parser: open: %s", msg)
	}
	if mapping.Connect(p.db, &p.conn) == mapping.StateError {
		mapping.Close(&p.db)
		return nil, errors.New("parser: connect")
	}
	return p, nil
}

// count returns how many statements DuckDB finds in text. A syntax error is returned as a
// *duckdb.Error whose message points into text.
func (p *parser) count(text string) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conn.Ptr == nil {
		return 0, errors.New("parser: closed")
	}
	var stmts mapping.ExtractedStatements
	n := mapping.ExtractStatements(p.conn, text, &stmts)
	defer mapping.DestroyExtracted(&stmts)
	if n == 0 {
		if msg := mapping.ExtractStatementsError(stmts); msg != "" {
			return 0, &duckdb.Error{Type: duckdb.ErrorTypeParser, Msg: msg}
		}
	}
	return int(n), nil
}

func (p *parser) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	mapping.Disconnect(&p.conn)
	mapping.Close(&p.db)
}
