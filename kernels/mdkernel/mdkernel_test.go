package mdkernel_test

import (
	"strings"
	"testing"

	"github.com/lakebook/lakebook/kernels/mdkernel"
	"github.com/lakebook/lakebook/server"
)

var _ server.Kernel = (*mdkernel.Kernel)(nil)

func TestSanitized(t *testing.T) {
	k := mdkernel.New()
	tests := []struct {
		in      string
		want    []string
		notWant []string
	}{
		{"# Title\n\n**bold** and `code`", []string{"<h1", "<strong>bold</strong>", "<code>code</code>"}, nil},
		{"| a | b |\n|---|---|\n| 1 | 2 |", []string{"<table>", "<td>1</td>"}, nil},
		{"<script>alert(1)</script>hi", []string{"hi"}, []string{"<script", "alert(1)</script"}},
		{`<img src="x.png" onerror="alert(1)">`, []string{"<img"}, []string{"onerror"}},
		{"[click](javascript:alert(1))", []string{"click"}, []string{"javascript:"}},
		{`<a href="JaVaScRiPt:alert(1)">x</a>`, nil, []string{"alert"}},
		{`<iframe src="https://evil.example"></iframe><style>body{}</style>`, nil, []string{"<iframe", "<style"}},
		{`<div onclick="x()">d</div>`, []string{"d"}, []string{"onclick"}},
		{"<svg><script>alert(1)</script></svg>", nil, []string{"<script", "<svg"}},
	}
	for _, tt := range tests {
		got, err := k.Render(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("Render(%q) = %q, missing %q", tt.in, got, w)
			}
		}
		for _, w := range tt.notWant {
			if strings.Contains(strings.ToLower(got), strings.ToLower(w)) {
				t.Errorf("Render(%q) = %q, must not contain %q", tt.in, got, w)
			}
		}
	}
}
