//go:build linux

package objstore

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"syscall"
)

// fileETag derives a change token for a local file: size, mtime, and the
// inode and ctime (a rename-into-place or rewrite changes at least one).
func fileETag(fi os.FileInfo) string {
	b := fmt.Appendf(nil, "%d/%d", fi.Size(), fi.ModTime().UnixNano())
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		b = fmt.Appendf(b, "/%d/%d/%d.%d", st.Dev, st.Ino, st.Ctim.Sec, st.Ctim.Nsec)
	}
	h := sha256.Sum256(b)
	return "fs-" + hex.EncodeToString(h[:8])
}
