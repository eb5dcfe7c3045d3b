// Package fspath holds the path checks the engine and the catalog share to keep SQL and table
// locations inside the workspace.
package fspath

import (
	"path/filepath"
	"strings"
)

// Within reports whether path is dir or inside it. Both must be clean and absolute.
func Within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}
