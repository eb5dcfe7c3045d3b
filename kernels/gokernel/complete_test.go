package gokernel_test

import (
	"context"
	"testing"

	"github.com/lakebook/lakebook/kernels/gokernel"
)

func TestComplete(t *testing.T) {
	k := startKernel(t, gokernel.Options{})
	mustRun(t, k, "type Flight struct{ Origin string }\nfunc shout(s string) string { return s }\nflights, total := 1, 2\n_ = total")
	tests := []struct {
		code string
		from int
		want map[string]string // label → kind
		not  []string
	}{
		{"strings.ToU", 8, map[string]string{"ToUpper": "function"}, []string{"ToLower"}},
		{"strings.Bui", 8, map[string]string{"Builder": "type"}, nil},
		{"math.P", 5, map[string]string{"Pi": "constant"}, nil},
		{"sh", 0, map[string]string{"shout": "function"}, nil},
		{"fl", 0, map[string]string{"flights": "variable"}, nil},
		{"Fli", 0, map[string]string{"Flight": "type"}, nil},
		{"tot", 0, map[string]string{"total": "variable"}, nil},
		{"str", 0, map[string]string{"strings": "package", "string": "type"}, nil},
		{"x := 1\nmine := 2\nmi", 17, map[string]string{"mine": "variable"}, nil},
		{"ran", 0, map[string]string{"range": "keyword"}, nil},
		{"flights.Ori", 8, nil, []string{"Origin"}}, // no types: nothing rather than wrong
		{"nb.Que", 3, map[string]string{"Query": "function"}, []string{"SetHost"}},
		{"nb.Ta", 3, map[string]string{"Table": "type"}, nil},
		{"n", 0, map[string]string{"nb": "package"}, nil},
	}
	for _, tt := range tests {
		c, err := k.Complete(context.Background(), tt.code, len(tt.code))
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, it := range c.Items {
			got[it.Label] = it.Kind
		}
		if c.From != tt.from {
			t.Errorf("%q: from %d, want %d", tt.code, c.From, tt.from)
		}
		for l, kind := range tt.want {
			if got[l] != kind {
				t.Errorf("%q: %q has kind %q, want %q", tt.code, l, got[l], kind)
			}
		}
		for _, l := range tt.not {
			if _, ok := got[l]; ok {
				t.Errorf("%q: unexpected %q", tt.code, l)
			}
		}
	}
}
