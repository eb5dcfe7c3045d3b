// Package history is the vocabulary of notebook revision history shared by the stores that keep
// it (store/local, in git) and the server that serves it. It imports only the standard library.
package history

import (
	"regexp"
	"time"
)

// Revision is one checkpoint of a notebook.
type Revision struct {
	// ID is the full hex commit id.
	ID      string    `json:"revision"`
	Message string    `json:"message"`
	Time    time.Time `json:"time"`
}

// revPattern is what a revision id may look like: abbreviated or full lowercase hex, so user text
// can never reach git as an option, a range, a path or a ref name.
var revPattern = regexp.MustCompile(`^[0-9a-f]{7,40}$`)

// ValidRev reports whether rev has the form of a revision id.
func ValidRev(rev string) bool { return revPattern.MatchString(rev) }
