// Package examples ships the tutorial notebooks that a new workspace starts with.
package examples

import "embed"

// FS holds the example notebooks (*.nb.md).
//
//go:embed *.nb.md
var FS embed.FS
