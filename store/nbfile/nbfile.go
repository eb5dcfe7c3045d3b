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
