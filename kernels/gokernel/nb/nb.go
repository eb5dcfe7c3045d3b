// Package nb is what Go paragraphs use to reach the notebook: `nb.Query` runs SQL in the
// notebook's SQL session and returns a typed [Table]; `nb.Register` makes a slice of structs a
// table the next SQL paragraph queries; `nb.Show` shows tables, HTML and Markdown; `nb.Put` and
// `nb.Get` share values with SQL paragraphs (which read them as getvariable('name')); `nb.Text`
// and `nb.Select` render inputs above the paragraph.
//
// Paragraphs use it as `nb.…` (imported on first use, like the standard library) or after
// `import "lakebook/nb"`. It runs inside the kernel process, which has no engine: each call
// asks the lakebook server over the kernel's protocol pipes, and tables travel as Arrow IPC.
package nb

import (
	"fmt"
	"reflect"

	"github.com/lakebook/lakebook/notebooks"
)

// Path is the import path paragraphs use.
const Path = "lakebook/nb"

// Host is the kernel process's link to the server. The kernel sets it with SetHost before any
// paragraph runs; it is not part of what paragraphs see.
type Host interface {
	// Query runs sql in the notebook's SQL session and returns the result as Arrow IPC.
	Query(sql string) ([]byte, error)
	// Register makes an Arrow IPC stream the table name of the notebook's SQL session.
	Register(name string, ipc []byte) error
	// ShowTable shows an Arrow IPC stream as a result table, as chart when chart is not nil.
	ShowTable(ipc []byte, chart *notebooks.Chart) error
	// Show shows an html output (sanitized by the server) or a "markdown" output (Text).
	Show(o notebooks.Output) error
	// Put sets a value SQL reads with getvariable(name); nil removes it.
	Put(name string, v any) error
	// Get returns the value Put or SQL's SET VARIABLE gave name.
	Get(name string) (v any, ok bool, err error)
	// Form returns the value the user gave the running paragraph's input name, if any.
	Form(name string) (value any, ok bool)
}

var host Host

// SetHost connects the package to the kernel. Only the kernel calls it.
func SetHost(h Host) { host = h }

func theHost() (Host, error) {
	if host == nil {
		return nil, fmt.Errorf("nb: not connected to a notebook (nb works in lakebook's Go paragraphs)")
	}
	return host, nil
}

// Query runs sql in this notebook's SQL session (it sees the tables SQL paragraphs and
// Register made) and returns the whole result of its last statement.
func Query(sql string) (*Table, error) {
	h, err := theHost()
	if err != nil {
		return nil, err
	}
	data, err := h.Query(sql)
	if err != nil {
		return nil, fmt.Errorf("nb.Query: %w", err)
	}
	t, err := decodeTable(data)
	if err != nil {
		return nil, fmt.Errorf("nb.Query: %w", err)
	}
	return t, nil
}

// Register makes v — a *Table, or a slice of structs (or of pointers to structs) — the table
// name of this notebook's SQL session, replacing what an earlier Register gave that name. Struct
// fields become columns named by their `nb:"col"` or `db:"col"` tag, or else by the field's
// name; fields of type bool, integers, floats, string and time.Time (or pointers to them, NULL
// when nil) are supported.
func Register(name string, v any) error {
	h, err := theHost()
	if err != nil {
		return err
	}
	data, err := encodeAny(v)
	if err != nil {
		return fmt.Errorf("nb.Register(%q): %w", name, err)
	}
	if err := h.Register(name, data); err != nil {
		return fmt.Errorf("nb.Register(%q): %w", name, err)
	}
	return nil
}

// HTML is HTML to show. The server sanitizes it: no scripts, event handlers or javascript: URLs.
type HTML string

// Markdown is Markdown to show, rendered and sanitized like a Markdown paragraph.
type Markdown string

// Show shows v under the paragraph: a *Table or a slice of structs as a result table (paged,
// sorted, charted and downloaded on the server like a SQL result), a Chart as a chart of its
// data, HTML and Markdown as such, anything else as its text.
func Show(v any) error {
	h, err := theHost()
	if err != nil {
		return err
	}
	switch x := v.(type) {
	case HTML:
		return h.Show(notebooks.HTMLOutput(string(x)))
	case Markdown:
		return h.Show(notebooks.Output{Type: "markdown", Text: string(x)})
	case Chart:
		return x.show(h)
	case *Chart:
		if x != nil {
			return x.show(h)
		}
	}
	if IsTabular(v) {
		data, err := encodeAny(v)
		if err != nil {
			return fmt.Errorf("nb.Show: %w", err)
		}
		return h.ShowTable(data, nil)
	}
	return h.Show(notebooks.TextOutput("", fmt.Sprintf("%+v", v)))
}

// IsTabular reports whether Show shows v as a table: a Table or a slice of structs.
func IsTabular(v any) bool {
	switch v.(type) {
	case *Table, Table:
		return true
	}
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || rv.Kind() != reflect.Slice {
		return false
	}
	_, ok := structOf(rv.Type().Elem())
	return ok
}

// Put shares v with the notebook's other paragraphs: Go paragraphs read it with Get, SQL
// paragraphs with getvariable('name'). v is a bool, an integer, a float, a string, a time.Time
// or a slice of one of those; nil removes the value. Values live in the notebook's SQL session,
// so they survive a restart of the Go kernel.
func Put(name string, v any) error {
	h, err := theHost()
	if err != nil {
		return err
	}
	if err := h.Put(name, v); err != nil {
		return fmt.Errorf("nb.Put(%q): %w", name, err)
	}
	return nil
}

// Get returns the value Put (or SQL's SET VARIABLE) gave name: an int64, float64, string, bool,
// time.Time, or a slice ([]int64, []string …); nil when there is none.
func Get(name string) any {
	v, _, _ := Lookup(name)
	return v
}

// Lookup is Get that tells a missing value apart from a failure.
func Lookup(name string) (v any, ok bool, err error) {
	h, err := theHost()
	if err != nil {
		return nil, false, err
	}
	v, ok, err = h.Get(name)
	if err != nil {
		return nil, false, fmt.Errorf("nb.Get(%q): %w", name, err)
	}
	return v, ok, nil
}

// Text renders a text input named name above the paragraph and returns what the user typed
// there, or def before they typed anything. Changing it runs the paragraph again. The page finds
// the inputs in the paragraph's text, so name, def and the options must be string literals.
func Text(name, def string) string {
	h, err := theHost()
	if err != nil {
		return def
	}
	if v, ok := h.Form(name); ok {
		if s, ok := v.(string); ok {
			return s
		}
	}
	return def
}

// Select renders a drop-down named name with options above the paragraph and returns the
// option the user picked, or def. Changing it runs the paragraph again.
func Select(name, def string, options ...string) string {
	h, err := theHost()
	if err != nil {
		return def
	}
	if v, ok := h.Form(name); ok {
		if s, ok := v.(string); ok {
			for _, o := range options {
				if o == s {
					return s
				}
			}
		}
	}
	return def
}
