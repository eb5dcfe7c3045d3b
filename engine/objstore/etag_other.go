//go:build !linux

package objstore

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
)

// fileETag derives a change token for a local file from size and mtime.
func fileETag(fi os.FileInfo) string {
	h := sha256.Sum256(fmt.Appendf(nil, "%d/%d", fi.Size(), fi.ModTime().UnixNano()))
	return "fs-" + hex.EncodeToString(h[:8])
}
