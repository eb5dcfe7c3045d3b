// Package notebooks is lakebook's document vocabulary: notebooks, paragraphs, their outputs and
// coded errors, and the native .nb.md file format. It imports nothing of lakebook's, so every
// other package may use it.
package notebooks

import (
	"strings"
)

// Lang is a paragraph's language.
type Lang string

// The languages a paragraph can have.
const (
	SQL      Lang = "sql"
	Go       Lang = "go"
	Markdown Lang = "md"
)

// Valid reports whether l is one of the known languages.
func (l Lang) Valid() bool { return l == SQL || l == Go || l == Markdown }

// Notebook is one notebook document: what its file holds. Outputs are not part of it.
type Notebook struct {
	ID         string       `json:"id"`
	Name       string       `json:"name"`
	Paragraphs []*Paragraph `json:"paragraphs"`
}

// Summary is one entry of a notebook listing.
type Summary struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Error string `json:"error,omitempty"` // set for a file that does not parse
}

// Paragraph is one cell of a notebook.
type Paragraph struct {
	// ID is stable for the paragraph's whole life, across edits, moves and renames.
	ID    string `json:"id"`
	Title string `json:"title,omitempty"`
	Lang  Lang   `json:"lang"`
	Text  string `json:"text"`
	// Settings holds small per-paragraph settings (later: chart type, form values), saved in the
	// paragraph's metadata line.
	Settings map[string]string `json:"settings,omitempty"`
}

// Paragraph returns the paragraph with the given id and its index, or nil and -1.
func (nb *Notebook) Paragraph(id string) (*Paragraph, int) {
	for i, p := range nb.Paragraphs {
		if p.ID == id {
			return p, i
		}
	}
	return nil, -1
}

// Clone returns a deep copy of nb.
func (nb *Notebook) Clone() *Notebook {
	c := &Notebook{ID: nb.ID, Name: nb.Name, Paragraphs: make([]*Paragraph, len(nb.Paragraphs))}
	for i, p := range nb.Paragraphs {
		c.Paragraphs[i] = p.Clone()
	}
	return c
}

// Clone returns a deep copy of p.
func (p *Paragraph) Clone() *Paragraph {
	c := *p
	if p.Settings != nil {
		c.Settings = make(map[string]string, len(p.Settings))
		for k, v := range p.Settings {
			c.Settings[k] = v
		}
	}
	return &c
}

// SplitDirective looks for a Zeppelin-style first line (`%sql`, `%go`, `%md`) that selects a
// paragraph's language. It returns the language and the text without that line; ok is false when
// the text starts with no known directive, and then text is returned unchanged.
func SplitDirective(text string) (lang Lang, rest string, ok bool) {
	if !strings.HasPrefix(text, "%") {
		return "", text, false
	}
	first, rest, _ := strings.Cut(text, "\n")
	l := Lang(strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(first, "%"), "\r")))
	switch l {
	case "markdown":
		l = Markdown
	case "golang":
		l = Go
	}
	if !l.Valid() {
		return "", text, false
	}
	return l, rest, true
}
