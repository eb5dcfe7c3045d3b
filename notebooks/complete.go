package notebooks

// Completion answers a completion request: Items replace the text from From to the cursor.
// Positions are byte offsets into the paragraph's text.
type Completion struct {
	From  int              `json:"from"`
	Items []CompletionItem `json:"items"`
}

// CompletionItem is one candidate.
type CompletionItem struct {
	Label string `json:"label"`
	// Kind is what the candidate is: "keyword", "function", "type", "variable", "constant",
	// "package", "table", "column".
	Kind   string `json:"kind,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// IdentBefore returns the identifier that ends at pos in text and, when a dot precedes it, the
// identifier before the dot (`strings.ToU` → "strings", "ToU"). from is where ident starts.
func IdentBefore(text string, pos int) (qualifier, ident string, from int) {
	if pos > len(text) {
		pos = len(text)
	}
	isIdent := func(c byte) bool {
		return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
	}
	from = pos
	for from > 0 && isIdent(text[from-1]) {
		from--
	}
	ident = text[from:pos]
	if from > 0 && text[from-1] == '.' {
		q := from - 1
		for q > 0 && isIdent(text[q-1]) {
			q--
		}
		qualifier = text[q : from-1]
	}
	return qualifier, ident, from
}
