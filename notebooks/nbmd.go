package notebooks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// The native file format, NAME.nb.md, is Markdown that reads well on GitHub:
//
//	<!-- lakebook {"id":"n4f8k2"} -->
//
//	<!-- paragraph {"id":"p1a2b3"} -->
//	# A heading, from a markdown paragraph
//
//	<!-- paragraph {"id":"p4c5d6","title":"Flights"} -->
//	```sql
//	select count(*) from 'data/flights-3m.parquet'
//	```
//
// Each paragraph's metadata sits in one HTML comment line (invisible when rendered) so that an
// edit to one paragraph changes only that paragraph's lines in a diff. Code paragraphs are fenced
// blocks tagged with their language. Markdown paragraphs are written as themselves, unless their
// text could be misread (it starts with a fence, holds a metadata line, or starts or ends with a
// newline); then they are fenced with the tag "md", which keeps the round trip lossless.

// FileExt is the extension of native notebook files.
const FileExt = ".nb.md"

const (
	headerPrefix    = "<!-- lakebook "
	paragraphPrefix = "<!-- paragraph "
	commentSuffix   = " -->"
)

type headerMeta struct {
	ID string `json:"id"`
}

type paragraphMeta struct {
	ID       string            `json:"id"`
	Title    string            `json:"title,omitempty"`
	Settings map[string]string `json:"settings,omitempty"`
}

// Encode writes nb in the native format. It fails only for a notebook that does not Validate.
func Encode(nb *Notebook) ([]byte, error) {
	if err := nb.Validate(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	writeComment(&b, headerPrefix, headerMeta{ID: nb.ID})
	for _, p := range nb.Paragraphs {
		b.WriteByte('\n')
		writeComment(&b, paragraphPrefix, paragraphMeta{ID: p.ID, Title: p.Title, Settings: p.Settings})
		if p.Lang == Markdown && !needsFence(p.Text) {
			b.WriteString(p.Text)
			b.WriteByte('\n')
			continue
		}
		fence := fenceFor(p.Text)
		b.WriteString(fence)
		b.WriteString(string(p.Lang))
		b.WriteByte('\n')
		b.WriteString(p.Text)
		b.WriteByte('\n')
		b.WriteString(fence)
		b.WriteByte('\n')
	}
	return b.Bytes(), nil
}

func writeComment(b *bytes.Buffer, prefix string, v any) {
	// json.Marshal escapes <, > and & so the comment can never be closed early by a value.
	data, err := json.Marshal(v)
	if err != nil {
		panic(err) // only strings and maps of strings: cannot fail
	}
	b.WriteString(prefix)
	b.Write(data)
	b.WriteString(commentSuffix)
	b.WriteByte('\n')
}

// needsFence reports whether a markdown text written as itself would parse back differently.
func needsFence(text string) bool {
	if text == "" {
		return false
	}
	if strings.HasPrefix(text, "\n") || strings.HasSuffix(text, "\n") {
		return true
	}
	lines := strings.Split(text, "\n")
	if fence, _ := fenceOpen(lines[0]); fence != "" {
		return true
	}
	for _, l := range lines {
		if isParagraphLine(l) {
			return true
		}
	}
	return false
}

// fenceFor returns a backtick fence longer than any run of backticks in text.
func fenceFor(text string) string {
	longest, run := 0, 0
	for i := 0; i < len(text); i++ {
		if text[i] == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}

// fenceOpen recognizes an opening fence tagged with a paragraph language.
func fenceOpen(line string) (fence string, lang Lang) {
	line = strings.TrimRight(line, "\r")
	n := 0
	for n < len(line) && line[n] == '`' {
		n++
	}
	if n < 3 {
		return "", ""
	}
	l := Lang(line[n:])
	if !l.Valid() {
		return "", ""
	}
	return line[:n], l
}

func isParagraphLine(line string) bool {
	line = strings.TrimRight(line, "\r")
	return strings.HasPrefix(line, paragraphPrefix) && strings.HasSuffix(line, commentSuffix)
}

// ParseError is a notebook file that does not parse. Line is 1-based.
type ParseError struct {
	Line int
	Msg  string
}

func (e *ParseError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// Parse reads a notebook in the native format. name becomes the notebook's Name (it comes from
// the file name, not the content). A file without the lakebook header line is accepted and gets
// an empty ID; the caller assigns one. Errors are *ParseError naming the line.
func Parse(name string, data []byte) (*Notebook, error) {
	if !isUTF8(data) {
		return nil, &ParseError{Line: firstInvalidLine(data), Msg: "the file is not valid UTF-8"}
	}
	text := strings.TrimSuffix(string(data), "\n")
	lines := strings.Split(text, "\n")
	if text == "" {
		lines = nil
	}
	nb := &Notebook{Name: name, Paragraphs: []*Paragraph{}}
	i := 0
	for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	if i < len(lines) && strings.HasPrefix(lines[i], headerPrefix) {
		var h headerMeta
		if err := decodeComment(lines[i], headerPrefix, &h); err != nil {
			return nil, &ParseError{Line: i + 1, Msg: "bad lakebook header: " + err.Error()}
		}
		nb.ID = h.ID
		i++
	}
	seen := map[string]int{}
	for i < len(lines) {
		line := lines[i]
		if strings.TrimSpace(line) == "" {
			i++
			continue
		}
		if !isParagraphLine(line) {
			return nil, &ParseError{Line: i + 1, Msg: fmt.Sprintf("expected a paragraph line (%s{\"id\":…}%s), found %q", paragraphPrefix, commentSuffix, clip(line))}
		}
		var m paragraphMeta
		if err := decodeComment(line, paragraphPrefix, &m); err != nil {
			return nil, &ParseError{Line: i + 1, Msg: "bad paragraph metadata: " + err.Error()}
		}
		if err := validID(m.ID); err != nil {
			return nil, &ParseError{Line: i + 1, Msg: err.Error()}
		}
		if prev, dup := seen[m.ID]; dup {
			return nil, &ParseError{Line: i + 1, Msg: fmt.Sprintf("paragraph id %q is already used on line %d", m.ID, prev)}
		}
		seen[m.ID] = i + 1
		if len(m.Settings) == 0 {
			m.Settings = nil // "settings":{} and no settings are the same notebook
		}
		p := &Paragraph{ID: m.ID, Title: m.Title, Settings: m.Settings, Lang: Markdown}
		i++
		if i < len(lines) {
			if fence, lang := fenceOpen(lines[i]); fence != "" {
				start := i + 1
				end := start
				for end < len(lines) && strings.TrimRight(lines[end], "\r") != fence {
					end++
				}
				if end == len(lines) {
					return nil, &ParseError{Line: i + 1, Msg: fmt.Sprintf("the %s block of paragraph %q is not closed with %s", lang, m.ID, fence)}
				}
				p.Lang, p.Text = lang, strings.Join(lines[start:end], "\n")
				i = end + 1
				for i < len(lines) && !isParagraphLine(lines[i]) {
					if strings.TrimSpace(lines[i]) != "" {
						return nil, &ParseError{Line: i + 1, Msg: fmt.Sprintf("text after the end of paragraph %q; start a new paragraph with a paragraph line", m.ID)}
					}
					i++
				}
				nb.Paragraphs = append(nb.Paragraphs, p)
				continue
			}
		}
		start := i
		for i < len(lines) && !isParagraphLine(lines[i]) {
			i++
		}
		body := lines[start:i]
		for len(body) > 0 && body[len(body)-1] == "" {
			body = body[:len(body)-1]
		}
		p.Text = strings.Join(body, "\n")
		nb.Paragraphs = append(nb.Paragraphs, p)
	}
	return nb, nil
}

func decodeComment(line, prefix string, v any) error {
	line = strings.TrimRight(line, "\r")
	if !strings.HasSuffix(line, commentSuffix) {
		return fmt.Errorf("the comment does not end with %q on the same line", strings.TrimSpace(commentSuffix))
	}
	body := strings.TrimSuffix(strings.TrimPrefix(line, prefix), commentSuffix)
	dec := json.NewDecoder(strings.NewReader(body))
	// Unknown fields are an error rather than dropped: saving would otherwise lose them.
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("unexpected text after the JSON object")
	}
	return nil
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
