package engine

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/lakebook/lakebook/notebooks"
)

// execText is SQL the engine sent to DuckDB and where the user's statement sits inside it, so
// that positions in DuckDB's errors can be mapped back to the paragraph.
type execText struct {
	sql    string // what DuckDB ran
	prefix int    // bytes the engine put before the user's statement
	span   stmtSpan
}

// runError turns an error of running x into the error a user sees. DuckDB errors become ERun
// with the line and column in paragraph; a cancelled ctx becomes ECanceled; anything else is
// wrapped and left for the server to report as internal.
func runError(ctx context.Context, err error, paragraph string, x execText, multi bool) error {
	if cerr := canceledOr(ctx, nil); cerr != nil {
		return cerr
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return notebooks.Errorf(notebooks.ECanceled, "query canceled")
	}
	var de *duckdb.Error
	if !errors.As(err, &de) {
		if strings.Contains(err.Error(), "unsupported data type") {
			// The driver cannot read a column type of a result that is read directly.
			e := notebooks.Errorf(notebooks.ERun, "cannot show a column of this type here; cast it to VARCHAR")
			if multi {
				e.Line, e.Column = lineColumn(paragraph, x.span.Start)
			}
			return e
		}
		return fmt.Errorf("engine: %w", err)
	}
	if de.Type == duckdb.ErrorTypeInterrupt {
		return notebooks.Errorf(notebooks.ECanceled, "query canceled")
	}
	msg, off, ok := errorPosition(de.Msg, x.sql)
	e := &notebooks.Error{Code: notebooks.ERun, Message: msg}
	switch {
	case ok && off >= x.prefix && off-x.prefix <= x.span.End-x.span.Start:
		e.Line, e.Column = lineColumn(paragraph, x.span.Start+off-x.prefix)
	case multi:
		// No position (a conversion error at run time, say): still say which statement failed.
		e.Line, e.Column = lineColumn(paragraph, x.span.Start)
	}
	return e
}

// canceledOr returns an ECanceled error when ctx is done, else err.
func canceledOr(ctx context.Context, err error) error {
	switch ctx.Err() {
	case nil:
		return err
	case context.DeadlineExceeded:
		return notebooks.Errorf(notebooks.ECanceled, "query canceled: time limit reached")
	}
	return notebooks.Errorf(notebooks.ECanceled, "query canceled")
}

var lineIndicator = regexp.MustCompile(`\n+LINE (\d+): `)

// errorPosition splits a DuckDB error message into the message proper and the byte offset in
// query that its "LINE n: …" / caret block points at. DuckDB renders at most ~40 columns either
// side of the error, marking cut ends with "...", and places the caret by display width, so the
// offset is recovered by finding the rendered snippet in the query and walking it.
func errorPosition(msg, query string) (clean string, offset int, ok bool) {
	locs := lineIndicator.FindAllStringSubmatchIndex(msg, -1)
	if len(locs) == 0 {
		return msg, 0, false
	}
	loc := locs[len(locs)-1]
	clean = strings.TrimRight(msg[:loc[0]], "\n")
	lineNo, err := strconv.Atoi(msg[loc[2]:loc[3]])
	if err != nil {
		return clean, 0, false
	}
	rest := msg[loc[1]:]
	shown, caretLine, found := strings.Cut(rest, "\n")
	if !found {
		return clean, 0, false
	}
	caret := strings.IndexByte(caretLine, '^')
	width := caret - (loc[1] - loc[0] - countLeadingNewlines(msg[loc[0]:loc[1]]))
	if caret < 0 || width < 0 {
		return clean, 0, false
	}
	lineStart, lineEnd, found := duckdbLine(query, lineNo)
	if !found {
		return clean, 0, false
	}
	line := query[lineStart:lineEnd]
	if strings.HasPrefix(line, shown) || strings.HasPrefix(line, strings.TrimSuffix(shown, "...")) {
		if off, ok := walkWidth(line, 0, width); ok {
			return clean, lineStart + off, true
		}
	}
	if strings.HasPrefix(shown, "...") && width >= 3 {
		snippet := strings.TrimSuffix(shown[3:], "...")
		if i := strings.Index(line, snippet); i >= 0 && snippet != "" {
			if off, ok := walkWidth(line, i, width-3); ok {
				return clean, lineStart + off, true
			}
		}
	}
	// The context is not from this text: DuckDB rewrote the statement (PRAGMA does).
	return clean, 0, false
}

func countLeadingNewlines(s string) int {
	return len(s) - len(strings.TrimLeft(s, "\n"))
}

// duckdbLine finds line n (1-based) of query the way DuckDB counts lines: "\r\n", '\r' and
// '\n' each end one.
func duckdbLine(query string, n int) (start, end int, ok bool) {
	line := 1
	for i := 0; i < len(query) && line < n; i++ {
		if query[i] == '\n' || query[i] == '\r' {
			if query[i] == '\r' && i+1 < len(query) && query[i+1] == '\n' {
				i++
			}
			line++
			start = i + 1
		}
	}
	if line != n {
		return 0, 0, false
	}
	end = len(query)
	if i := strings.IndexAny(query[start:], "\r\n"); i >= 0 {
		end = start + i
	}
	return start, end, true
}

// walkWidth returns the byte offset in line reached after width display columns from from.
func walkWidth(line string, from, width int) (int, bool) {
	i := from
	for w := 0; w < width; {
		if i >= len(line) {
			return 0, false
		}
		r, size := utf8.DecodeRuneInString(line[i:])
		i += size
		w += runeWidth(r)
		// Combining marks belong to the previous grapheme and take no column.
		for i < len(line) {
			r2, size2 := utf8.DecodeRuneInString(line[i:])
			if !unicode.In(r2, unicode.Mn, unicode.Me) && r2 != 0x200d && r2 != 0xfe0f {
				break
			}
			i += size2
		}
	}
	return i, true
}

// runeWidth is the terminal width DuckDB (utf8proc) gives a character: 2 for East Asian wide
// and emoji, 1 for the rest.
func runeWidth(r rune) int {
	switch {
	case r >= 0x1100 && r <= 0x115f, r >= 0x2e80 && r <= 0xa4cf && r != 0x303f,
		r >= 0xac00 && r <= 0xd7a3, r >= 0xf900 && r <= 0xfaff, r >= 0xfe30 && r <= 0xfe4f,
		r >= 0xff00 && r <= 0xff60, r >= 0xffe0 && r <= 0xffe6, r >= 0x1f300 && r <= 0x1faff,
		r >= 0x20000 && r <= 0x3fffd:
		return 2
	}
	return 1
}

// lineColumn converts a byte offset in text to a 1-based line and column (in characters).
func lineColumn(text string, off int) (line, col int) {
	off = min(max(off, 0), len(text))
	line = 1 + strings.Count(text[:off], "\n")
	lineStart := strings.LastIndexByte(text[:off], '\n') + 1
	return line, 1 + utf8.RuneCountInString(text[lineStart:off])
}
