package notebooks

import (
	"crypto/rand"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNameLen bounds notebook names, in bytes, well below file-name limits.
const MaxNameLen = 200

// ValidateName checks a notebook name. Names become file names, so they must never be able to
// escape the workspace (Zeppelin CVE-2024-31860, CVE-2021-28655): no path separators, no "." or
// "..", no NUL or other control characters, no leading or trailing spaces or dots.
func ValidateName(name string) error {
	switch {
	case name == "":
		return Errorf(EInvalid, "a notebook name must not be empty")
	case len(name) > MaxNameLen:
		return Errorf(EInvalid, "a notebook name must be at most %d bytes", MaxNameLen)
	case !utf8.ValidString(name):
		return Errorf(EInvalid, "a notebook name must be valid UTF-8")
	case strings.ContainsAny(name, `/\`):
		return Errorf(EInvalid, "a notebook name must not contain / or \\")
	case name == "." || name == "..":
		return Errorf(EInvalid, "%q is not a notebook name", name)
	case strings.TrimSpace(name) != name:
		return Errorf(EInvalid, "a notebook name must not start or end with spaces")
	case strings.HasPrefix(name, "."):
		return Errorf(EInvalid, "a notebook name must not start with a dot")
	}
	for _, r := range name {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return Errorf(EInvalid, "a notebook name must not contain control characters (found %U)", r)
		}
	}
	return nil
}

// Validate checks that nb can be saved and read back unchanged.
func (nb *Notebook) Validate() error {
	if nb.ID != "" {
		if err := validID(nb.ID); err != nil {
			return Errorf(EInvalid, "notebook: %v", err)
		}
	}
	seen := make(map[string]bool, len(nb.Paragraphs))
	for i, p := range nb.Paragraphs {
		if err := p.Validate(); err != nil {
			return Errorf(EInvalid, "paragraph %d: %v", i+1, err)
		}
		if seen[p.ID] {
			return Errorf(EInvalid, "paragraph %d: id %q is used twice", i+1, p.ID)
		}
		seen[p.ID] = true
	}
	return nil
}

// Validate checks one paragraph.
func (p *Paragraph) Validate() error {
	if err := validID(p.ID); err != nil {
		return err
	}
	if !p.Lang.Valid() {
		return fmt.Errorf("unknown language %q (want sql, go or md)", p.Lang)
	}
	if !utf8.ValidString(p.Text) || !utf8.ValidString(p.Title) {
		return fmt.Errorf("text and title must be valid UTF-8")
	}
	for k, v := range p.Settings {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return fmt.Errorf("settings must be valid UTF-8")
		}
	}
	return nil
}

func validID(id string) error {
	if id == "" || len(id) > 64 {
		return fmt.Errorf("an id must have 1 to 64 characters, got %q", clip(id))
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return fmt.Errorf("id %q may hold only letters, digits, - and _", clip(id))
		}
	}
	return nil
}

// NewID returns a random id: 10 characters from a 32-letter alphabet, 50 bits.
func NewID() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
	var b [10]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}

func isUTF8(b []byte) bool { return utf8.Valid(b) }

func firstInvalidLine(b []byte) int {
	line := 1
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n <= 1 {
			return line
		}
		if r == '\n' {
			line++
		}
		b = b[n:]
	}
	return line
}
