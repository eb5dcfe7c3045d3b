package gokernel

import (
	"errors"
	"go/ast"
	"reflect"
	"sync"

	"github.com/lakebook/lakebook/kernels/gokernel/nb"
	"github.com/lakebook/lakebook/notebooks"
	"github.com/traefik/yaegi/stdlib"
)

// nbHost is the nb package's link to the parent, in the child: each call is a request on the
// events pipe, answered by a reply on the commands pipe (see protocol.go), which serve hands
// to the waiting call. Calls may come from any goroutine of interpreted code.
type nbHost struct {
	c *child

	mu      sync.Mutex
	next    uint64
	waiting map[uint64]chan message
	forms   map[string]any // the inputs of the run in progress
}

var _ nb.Host = (*nbHost)(nil)

func newNBHost(c *child) *nbHost { return &nbHost{c: c, waiting: map[uint64]chan message{}} }

// call sends a request and waits for its reply. The parent always replies: when the run ends
// or is cancelled, with an error.
func (h *nbHost) call(m message) (message, error) {
	ch := make(chan message, 1)
	h.mu.Lock()
	h.next++
	m.Req = h.next
	h.waiting[m.Req] = ch
	h.mu.Unlock()
	h.c.ev.send(m)
	r := <-ch
	if r.Error != nil {
		return r, errors.New(r.Error.Message)
	}
	return r, nil
}

// deliver hands a reply to its call.
func (h *nbHost) deliver(m message) {
	h.mu.Lock()
	ch := h.waiting[m.Req]
	delete(h.waiting, m.Req)
	h.mu.Unlock()
	if ch != nil {
		ch <- m
	}
}

func (h *nbHost) setForms(f map[string]any) {
	h.mu.Lock()
	h.forms = f
	h.mu.Unlock()
}

func (h *nbHost) Query(sql string) ([]byte, error) {
	r, err := h.call(message{Type: msgQuery, Code: sql})
	return r.payload, err
}

func (h *nbHost) Register(name string, ipc []byte) error {
	_, err := h.call(message{Type: msgRegister, Text: name, payload: ipc})
	return err
}

func (h *nbHost) ShowTable(ipc []byte, chart *notebooks.Chart) error {
	h.c.out.sync(syncTimeout) // what the paragraph printed before comes first
	m := message{Type: msgShow, payload: ipc}
	if chart != nil {
		m.Output = &notebooks.Output{Type: notebooks.OutputTable, Chart: chart}
	}
	_, err := h.call(m)
	return err
}

func (h *nbHost) Show(o notebooks.Output) error {
	h.c.out.sync(syncTimeout)
	h.c.ev.send(message{Type: msgOutput, Output: &o})
	return nil
}

func (h *nbHost) Put(name string, v any) error {
	b, err := encodeValue(v)
	if err != nil {
		return err
	}
	_, err = h.call(message{Type: msgPut, Text: name, Value: b})
	return err
}

func (h *nbHost) Get(name string) (any, bool, error) {
	r, err := h.call(message{Type: msgGet, Text: name})
	if err != nil || len(r.Value) == 0 {
		return nil, false, err
	}
	v, err := decodeValue(r.Value)
	return v, err == nil, err
}

func (h *nbHost) Form(name string) (any, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	v, ok := h.forms[name]
	return v, ok
}

// showFinal shows a paragraph's final value the way nb.Show does when it is a table, a slice of
// structs, HTML or Markdown, and reports whether it did. The error of a final nb.Show, nb.Put or
// nb.Register call is the paragraph's error, and nil is not worth showing.
func (c *child) showFinal(last ast.Expr, v reflect.Value) (bool, *notebooks.Error) {
	if !v.IsValid() || !v.CanInterface() {
		return false, nil
	}
	if call, ok := last.(*ast.CallExpr); ok {
		if sel, ok := call.Fun.(*ast.SelectorExpr); ok {
			if pkg, ok := sel.X.(*ast.Ident); ok && c.imports[pkg.Name] == nb.Path {
				switch sel.Sel.Name {
				case "Show", "Put", "Register":
					if err, ok := v.Interface().(error); ok && err != nil {
						return true, &notebooks.Error{Code: notebooks.ERun, Message: err.Error()}
					}
					return true, nil
				}
			}
		}
	}
	x := v.Interface()
	switch x.(type) {
	case nb.HTML, nb.Markdown, nb.Chart, *nb.Chart:
	default:
		if !nb.IsTabular(x) {
			return false, nil
		}
	}
	if err := nb.Show(x); err != nil {
		return true, &notebooks.Error{Code: notebooks.ERun, Message: err.Error()}
	}
	return true, nil
}

// exports returns the symbols a paragraph can import from a package (key: path/name): the
// standard library's, or lakebook's nb.
func exports(key string) map[string]reflect.Value {
	if syms, ok := nb.Symbols[key]; ok {
		return syms
	}
	return stdlib.Symbols[key]
}
