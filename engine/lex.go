package engine

import "strings"

// token kinds.
const (
	tokWord   = iota // an unquoted identifier or keyword
	tokIdent         // a "quoted identifier", unquoted in text
	tokString        // a 'string', unquoted in text
	tokOther         // a number, an operator, punctuation
	tokSpace
	tokComment
)

type token struct {
	kind       int
	text       string
	start, end int // byte offsets in the statement
}

// is reports whether t is the keyword kw (case-insensitive).
func (t token) is(kw string) bool { return t.kind == tokWord && strings.EqualFold(t.text, kw) }

// tokens lexes a statement, skipping whitespace and comments. It is
// enough to find names and to parse lakebook's own statements; DuckDB parses the rest.
func tokens(text string) []token {
	var out []token
	for i := 0; i < len(text); {
		kind, end := scan(text, i)
		switch kind {
		case tokString:
			if text[i] == '\'' {
				out = append(out, token{kind, unquote(text[i:end], '\''), i, end})
			} else {
				out = append(out, token{kind, text[i:end], i, end}) // $tag$…$tag$
			}
		case tokIdent:
			out = append(out, token{kind, unquote(text[i:end], '"'), i, end})
		case tokWord, tokOther:
			out = append(out, token{kind, text[i:end], i, end})
		}
		i = end
	}
	return out
}

// scan reads the lexical unit starting at text[i] and returns its kind and end, following
// DuckDB's (PostgreSQL's) rules for strings, quoted identifiers, dollar quoting and comments.
func scan(text string, i int) (kind, end int) {
	n := len(text)
	c := text[i]
	switch {
	case isSpace(c):
		return tokSpace, i + 1
	case c == '-' && i+1 < n && text[i+1] == '-':
		return tokComment, skipLineComment(text, i)
	case c == '/' && i+1 < n && text[i+1] == '*':
		return tokComment, skipBlockComment(text, i)
	case c == '\'':
		return tokString, skipQuoted(text, i, '\'', isEscapeString(text, i))
	case c == '"':
		return tokIdent, skipQuoted(text, i, '"', false)
	case c == '$' && (i == 0 || !isIdentChar(text[i-1])):
		if end, ok := skipDollarQuoted(text, i); ok {
			return tokString, end
		}
	case isIdentChar(c) && !(c >= '0' && c <= '9'):
		j := i
		for j < n && isIdentChar(text[j]) {
			j++
		}
		return tokWord, j
	}
	return tokOther, i + 1
}

// unquote strips the quotes of a quoted string or identifier and undoubles inner quotes.
func unquote(s string, q byte) string {
	if len(s) >= 2 && s[0] == q && s[len(s)-1] == q {
		s = s[1 : len(s)-1]
	}
	return strings.ReplaceAll(s, string([]byte{q, q}), string(q))
}
