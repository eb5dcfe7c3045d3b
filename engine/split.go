package engine

import "strings"

// stmtSpan is one statement of a paragraph: text[Start:End], without its terminating ';' and
// without surrounding whitespace.
type stmtSpan struct {
	Start, End int
}

// splitStatements cuts a paragraph into statements at top-level semicolons, following DuckDB's
// (PostgreSQL's) lexical rules for strings, quoted identifiers, dollar quoting and comments.
// Segments holding only whitespace and comments are dropped, as DuckDB's parser drops them.
//
// DuckDB's C API extracts statements but does not say where each one starts, and the engine
// needs the text of the last statement to wrap it (CREATE TEMP TABLE … AS <stmt>). So the
// engine splits here and cross-checks the count with DuckDB's own extraction; a mismatch makes
// it run the paragraph unsplit instead of trusting this lexer.
func splitStatements(text string) []stmtSpan {
	var spans []stmtSpan
	start := 0       // start of the current segment
	hasCode := false // the current segment holds something other than whitespace and comments
	emit := func(end int) {
		if hasCode {
			s, e := start, end
			for s < e && isSpace(text[s]) {
				s++
			}
			for e > s && isSpace(text[e-1]) {
				e--
			}
			spans = append(spans, stmtSpan{Start: s, End: e})
		}
		start = end + 1
		hasCode = false
	}
	for i := 0; i < len(text); {
		kind, end := scan(text, i)
		switch {
		case kind == tokOther && text[i] == ';':
			emit(i)
		case kind != tokSpace && kind != tokComment:
			hasCode = true
		}
		i = end
	}
	emit(len(text))
	return spans
}

func skipLineComment(text string, i int) int {
	if j := strings.IndexByte(text[i:], '\n'); j >= 0 {
		return i + j + 1
	}
	return len(text)
}

// skipBlockComment skips a /* */ comment; like PostgreSQL's scanner, DuckDB's nests them.
func skipBlockComment(text string, i int) int {
	depth := 0
	for i < len(text) {
		switch {
		case strings.HasPrefix(text[i:], "/*"):
			depth++
			i += 2
		case strings.HasPrefix(text[i:], "*/"):
			depth--
			i += 2
			if depth == 0 {
				return i
			}
		default:
			i++
		}
	}
	return len(text)
}

// skipQuoted skips a string or quoted identifier opened at text[i]; a doubled quote is an
// escaped quote, and in E'…' strings so is a backslash-escaped one.
func skipQuoted(text string, i int, q byte, backslash bool) int {
	i++
	for i < len(text) {
		switch c := text[i]; {
		case backslash && c == '\\':
			i += 2
		case c == q:
			if i+1 < len(text) && text[i+1] == q {
				i += 2
				continue
			}
			return i + 1
		default:
			i++
		}
	}
	return len(text)
}

// isEscapeString reports whether the quote at text[i] opens an E'…' string.
func isEscapeString(text string, i int) bool {
	if i == 0 || (text[i-1] != 'E' && text[i-1] != 'e') {
		return false
	}
	return i == 1 || !isIdentChar(text[i-2])
}

// skipDollarQuoted skips a $tag$…$tag$ string opened at text[i]; ok is false when text[i] does
// not open one (a $1 parameter, say).
func skipDollarQuoted(text string, i int) (end int, ok bool) {
	j := i + 1
	for j < len(text) && text[j] != '$' {
		c := text[j]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80 || j > i+1 && c >= '0' && c <= '9') {
			return 0, false
		}
		j++
	}
	if j >= len(text) {
		return 0, false
	}
	tag := text[i : j+1]
	k := strings.Index(text[j+1:], tag)
	if k < 0 {
		return len(text), true
	}
	return j + 1 + k + len(tag), true
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func isIdentChar(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}
