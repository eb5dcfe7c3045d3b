package notebooks

import (
	"crypto/rand"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNameLen bounds each part of a notebook name (a folder or the notebook's own name), in
// bytes, well below file-name limits.
const MaxNameLen = 200

// MaxPathLen bounds a whole notebook name with its folders, in bytes, well below path limits.
const MaxPathLen = 500

// MaxFolderDepth bounds how many folders a notebook name may carry ("a/b/c" has two).
const MaxFolderDepth = 8

// ValidateName checks a notebook name: a notebook's own name, optionally after folders
// separated by "/", like Zeppelin's "team/sales/q3". Names become file paths and object keys, so
// they must never be able to escape the workspace (Zeppelin CVE-2024-31860, CVE-2021-28655):
// every part is checked on its own — no empty part (so no leading, trailing or doubled "/"), no
// "." or "..", no "\", no NUL or other control characters, no leading dot (lakebook keeps its
// own folders, like .trash, there), no leading or trailing spaces — and the depth and length are
// bounded.
func ValidateName(name string) error {
	switch {
	case name == "":
		return Errorf(EInvalid, "a notebook name must not be empty")
	case len(name) > MaxPathLen:
		return Errorf(EInvalid, "a notebook name with its folders must be at most %d bytes", MaxPathLen)
	case !utf8.ValidString(name):
		return Errorf(EInvalid, "a notebook name must be valid UTF-8")
	}
	parts := strings.Split(name, "/")
	if len(parts)-1 > MaxFolderDepth {
		return Errorf(EInvalid, "a notebook may be at most %d folders deep", MaxFolderDepth)
	}
	for i, part := range parts {
		what := "a folder name"
		if i == len(parts)-1 {
			what = "a notebook name"
		}
		if err := validatePart(what, part); err != nil {
			if len(parts) > 1 {
				err.Message += fmt.Sprintf(" (part %d of %q)", i+1, name)
			}
			return err
		}
	}
	return nil
}

// validatePart checks one "/"-separated part of a notebook name.
func validatePart(what, part string) *Error {
	switch {
	case part == "":
		return Errorf(EInvalid, "%s must not be empty (no leading, trailing or doubled /)", what)
	case len(part) > MaxNameLen:
		return Errorf(EInvalid, "%s must be at most %d bytes", what, MaxNameLen)
	case strings.Contains(part, `\`):
		return Errorf(EInvalid, "%s must not contain \\", what)
	case part == "." || part == "..":
		return Errorf(EInvalid, "%q is not %s", part, what)
	case strings.TrimSpace(part) != part:
		return Errorf(EInvalid, "%s must not start or end with spaces", what)
	case strings.HasPrefix(part, "."):
		return Errorf(EInvalid, "%s must not start with a dot", what)
	}
	for _, r := range part {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return Errorf(EInvalid, "%s must not contain control characters (found %U)", what, r)
		}
	}
	return nil
}

// Folder returns the folders of a notebook name ("team/sales" for "team/sales/q3", "" for "q3").
func Folder(name string) string {
	i := strings.LastIndexByte(name, '/')
	if i < 0 {
		return ""
	}
	return name[:i]
}

// BaseName returns a notebook name without its folders ("q3" for "team/sales/q3").
func BaseName(name string) string { return name[strings.LastIndexByte(name, '/')+1:] }

// UniqueName returns name if it is free, or else the first free "NAME suffix", "NAME suffix 2",
// … in the same folder, shortening NAME so the result stays a valid name.
func UniqueName(name, suffix string, taken func(string) bool) (string, error) {
	if !taken(name) && ValidateName(name) == nil {
		return name, nil
	}
	folder, base := Folder(name), BaseName(name)
	for n := 1; n < 10000; n++ {
		tail := " " + suffix
		if n > 1 {
			tail += fmt.Sprintf(" %d", n)
		}
		b := base
		for b != "" && (len(b)+len(tail) > MaxNameLen || (folder != "" && len(folder)+1+len(b)+len(tail) > MaxPathLen)) {
			r := []rune(b)
			b = strings.TrimSpace(string(r[:len(r)-1]))
		}
		if b == "" {
			// The folder leaves no room for the suffix: the name cannot get one there.
			break
		}
		cand := b + tail
		if folder != "" {
			cand = folder + "/" + cand
		}
		if ValidateName(cand) == nil && !taken(cand) {
			return cand, nil
		}
	}
	return "", Errorf(EConflict, "no free name like %q", name)
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
