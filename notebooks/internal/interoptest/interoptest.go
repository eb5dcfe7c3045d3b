// Package interoptest holds the checks every notebook converter's tests share. Test helper only.
package interoptest

import (
	"reflect"
	"testing"

	"github.com/lakebook/lakebook/notebooks"
)

// CheckImported fails t unless an imported notebook can be saved as it is: it validates, its
// name is a valid notebook name, and it encodes.
func CheckImported(t testing.TB, nb *notebooks.Notebook) {
	t.Helper()
	if err := nb.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := notebooks.ValidateName(nb.Name); err != nil {
		t.Fatal(err)
	}
	if _, err := notebooks.Encode(nb); err != nil {
		t.Fatal(err)
	}
}

// SameParagraphs fails t unless got has want's paragraphs, field for field.
func SameParagraphs(t testing.TB, want, got *notebooks.Notebook) {
	t.Helper()
	if len(got.Paragraphs) != len(want.Paragraphs) {
		t.Fatalf("%d paragraphs, want %d", len(got.Paragraphs), len(want.Paragraphs))
	}
	for i, w := range want.Paragraphs {
		if g := got.Paragraphs[i]; !reflect.DeepEqual(g, w) {
			t.Errorf("paragraph %d:\n got %#v\nwant %#v", i+1, g, w)
		}
	}
}
