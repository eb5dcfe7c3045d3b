// Package ipynb converts between lakebook notebooks and Jupyter .ipynb files (nbformat 4.x).
//
// It is a pure library: Import turns a file's bytes into a notebook plus its static outputs,
// Export does the reverse. The small pieces shared with package zpln (the Imported result, the
// input limit, the HTML sanitizer) live here too.
package ipynb

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"

	"github.com/lakebook/lakebook/notebooks"
)

// MaxSize is the largest file Import accepts, in bytes (32 MiB). Larger files are refused with
// notebooks.ETooLarge; use ReadLimited to read an upload without reading past the limit.
const MaxSize = 32 << 20

// Imported is a notebook imported from another tool's file.
type Imported struct {
	Notebook *notebooks.Notebook
	// Outputs holds the static outputs saved in the file, by paragraph id.
	Outputs map[string][]notebooks.Output
	// Notes tells a person what the import changed or kept inert, e.g. "cell 3: python code kept
	// as an inert paragraph (lakebook cannot run python)".
	Notes []string
}

// Settings keys that imports set on paragraphs so that export can restore what lakebook cannot
// run.
const (
	// SettingImported marks a paragraph that holds content lakebook cannot run, kept as a
	// markdown paragraph with a note line and a fenced block. Values: "code" (a Jupyter code cell
	// in another language), "raw" (a Jupyter raw cell), "cell" (a Jupyter cell of an unknown
	// type), "zeppelin" (a Zeppelin paragraph of another interpreter), "broken" (a cell or
	// paragraph that could not be read; kept for a person to look at).
	SettingImported = "imported"
	// SettingImportedLang is the language of an imported code cell or block ("python", "scala").
	SettingImportedLang = "imported_lang"
	// SettingImportedType is the original cell type of a "cell" paragraph.
	SettingImportedType = "imported_type"
	// SettingInterpreter is the Zeppelin directive of a "zeppelin" paragraph ("%spark.pyspark").
	SettingInterpreter = "interpreter"
)

// ReadLimited reads r up to MaxSize bytes. It fails with notebooks.ETooLarge as soon as r holds
// more, without reading further.
func ReadLimited(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, notebooks.Errorf(notebooks.EInvalid, "reading the file: %v", err)
	}
	if len(data) > MaxSize {
		return nil, tooLarge()
	}
	return data, nil
}

func tooLarge() error {
	return notebooks.Errorf(notebooks.ETooLarge, "the file is larger than the import limit of %d MiB", MaxSize>>20)
}

// CheckInput does the checks every import starts with: the size limit and UTF-8. kind names the
// format in messages ("Jupyter notebook").
func CheckInput(data []byte, kind string) error {
	if len(data) > MaxSize {
		return tooLarge()
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return notebooks.Errorf(notebooks.EInvalid, "the file is empty, want a %s", kind)
	}
	if !utf8.Valid(data) {
		line, col := invalidUTF8At(data)
		e := notebooks.Errorf(notebooks.EInvalid, "the file is not valid UTF-8 (line %d, column %d)", line, col)
		e.Line, e.Column = line, col
		return e
	}
	return nil
}

func invalidUTF8At(b []byte) (line, col int) {
	line, col = 1, 1
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n <= 1 {
			return line, col
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		b = b[n:]
	}
	return line, col
}

// JSONError turns an encoding/json error for data into an EInvalid error that says where.
func JSONError(data []byte, kind string, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := position(data, max(se.Offset-1, 0)) // Offset is just past the bad byte
		msg := se.Error()
		if se.Offset >= int64(len(bytes.TrimRight(data, " \t\r\n"))) {
			msg = "the file ends too early (truncated?): " + msg
		}
		e := notebooks.Errorf(notebooks.EInvalid, "not a valid %s: line %d, column %d: %s", kind, line, col, msg)
		e.Line, e.Column = line, col
		return e
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		where := te.Field
		if where == "" {
			where = "the top level"
		}
		return notebooks.Errorf(notebooks.EInvalid, "not a %s: %s is a JSON %s, want %s", kind, where, te.Value, te.Type)
	}
	return notebooks.Errorf(notebooks.EInvalid, "not a valid %s: %v", kind, err)
}

func position(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
	return line, col
}

// TopLevelKind says what JSON value data holds at the top ("object", "array", …).
func TopLevelKind(data []byte) string {
	t := bytes.TrimLeft(data, " \t\r\n")
	if len(t) == 0 {
		return "nothing"
	}
	switch t[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

var (
	policyOnce sync.Once
	policy     *bluemonday.Policy
)

// SanitizeHTML cleans untrusted HTML from an imported file with bluemonday's UGC policy; data:
// URIs are allowed for images only.
func SanitizeHTML(html string) string {
	policyOnce.Do(func() {
		policy = bluemonday.UGCPolicy()
		policy.AllowDataURIImages()
	})
	return strings.TrimSpace(policy.Sanitize(html))
}

// IDs hands out paragraph ids: the wanted one when it is valid and unused, else a new one.
type IDs map[string]bool

// Take returns want if it is a valid unused id, else a fresh id; changed tells which.
func (ids IDs) Take(want string) (id string, changed bool) {
	p := notebooks.Paragraph{ID: want, Lang: notebooks.Markdown}
	if want != "" && p.Validate() == nil && !ids[want] {
		ids[want] = true
		return want, false
	}
	for {
		id = notebooks.NewID()
		if !ids[id] {
			ids[id] = true
			return id, true
		}
	}
}

// NotebookName turns a file name or a title into a name notebooks.ValidateName accepts: the last
// path element, without known extensions and control characters. It falls back to "Imported".
func NotebookName(candidates ...string) string {
	for _, c := range candidates {
		c = strings.ReplaceAll(c, `\`, "/")
		c = path.Base(strings.TrimRight(c, "/"))
		for _, ext := range []string{".ipynb", ".zpln", ".json", notebooks.FileExt} {
			if strings.HasSuffix(strings.ToLower(c), ext) {
				c = c[:len(c)-len(ext)]
			}
		}
		c = strings.Map(func(r rune) rune {
			if unicode.IsControl(r) || r == utf8.RuneError {
				return -1
			}
			return r
		}, c)
		c = strings.TrimLeft(strings.TrimSpace(c), ".")
		c = strings.TrimSpace(c)
		for len(c) > notebooks.MaxNameLen {
			_, n := utf8.DecodeLastRuneInString(c)
			c = c[:len(c)-n]
		}
		if notebooks.ValidateName(c) == nil {
			return c
		}
	}
	return "Imported"
}

// InertText builds the markdown text of a paragraph lakebook cannot run: a visible note line and
// the original code in a fenced block tagged with its language.
func InertText(note, lang, code string) string {
	fence := "```"
	for strings.Contains(code, fence) {
		fence += "`"
	}
	return "> " + note + "\n\n" + fence + lang + "\n" + code + "\n" + fence
}

var inertRe = regexp.MustCompile("(?s)\\A> [^\n]*\n\n(`{3,})[^\n`]*\n(.*)\n(`{3,})\\z")

// InertCode returns the code InertText put in text; ok is false when text no longer has that
// shape (the paragraph was edited into something else).
func InertCode(text string) (code string, ok bool) {
	m := inertRe.FindStringSubmatch(text)
	if m == nil || m[1] != m[3] {
		return "", false
	}
	return m[2], true
}

// Clip shortens s for a message.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
