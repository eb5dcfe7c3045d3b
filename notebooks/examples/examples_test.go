package examples

import (
	"io/fs"
	"testing"

	"github.com/lakebook/lakebook/notebooks"
)

// TestExamplesAreCanonical checks every example parses and is written exactly as lakebook
// would write it, so the first save after opening one changes nothing.
func TestExamplesAreCanonical(t *testing.T) {
	paths, _ := fs.Glob(FS, "*"+notebooks.FileExt)
	if len(paths) == 0 {
		t.Fatal("no examples")
	}
	for _, path := range paths {
		data, _ := fs.ReadFile(FS, path)
		nb, err := notebooks.Parse(path, data)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		enc, err := notebooks.Encode(nb)
		if err != nil {
			t.Fatal(err)
		}
		if string(enc) != string(data) {
			t.Errorf("%s is not in canonical form; lakebook writes:\n%s", path, enc)
		}
	}
}
