// Package nbfile holds what every notebook store does with a stored notebook file: parse it, and
// give a file without a usable id one derived from its name, the same in every store, so a
// folder moved into a bucket keeps its ids.
package nbfile

import (
	"crypto/sha256"
	"encoding/base32"
	"strings"

	"github.com/lakebook/lakebook/notebooks"
)

// Parse reads a stored notebook named name. A file that does not parse or validate is returned
// with broken set and an id derived from its name; a good one with the id it holds.
func Parse(name string, data []byte) (nb *notebooks.Notebook, id string, broken error) {
	nb, err := notebooks.Parse(name, data)
	if err == nil {
		err = nb.Validate()
	}
	if err != nil {
		return nil, DerivedID(name), err
	}
	return nb, nb.ID, nil
}

// DerivedID gives a file without a usable id (hand-written, or a copy repeating its original's
// id) one that stays the same across restarts.
func DerivedID(name string) string {
	sum := sha256.Sum256([]byte(name))
	return "f" + strings.ToLower(base32.StdEncoding.EncodeToString(sum[:])[:11])
}

// Summary is the listing entry of a stored notebook; broken is its parse error, if any.
func Summary(id, name string, broken error) notebooks.Summary {
	sum := notebooks.Summary{ID: id, Name: name}
	if broken != nil {
		sum.Error = broken.Error()
	}
	return sum
}

// Restored parses a file coming back (from the trash) as name. It keeps its id unless used says
// a live notebook has it now (an import of the same file): then a good file gets a new id,
// written into the returned content, and a broken one the id derived from its name.
func Restored(name string, data []byte, used func(id string) bool) (nb *notebooks.Notebook, id string, content []byte, broken, err error) {
	nb, id, broken = Parse(name, data)
	switch {
	case !used(id):
	case nb != nil:
		nb.ID = notebooks.NewID()
		if data, err = notebooks.Encode(nb); err != nil {
			return nil, "", nil, nil, err
		}
		id = nb.ID
	default:
		id = DerivedID(name)
	}
	return nb, id, data, broken, nil
}
