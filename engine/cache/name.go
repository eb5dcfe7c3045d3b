package cache

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/lakebook/lakebook/engine/objstore"
)

// ErrBadName is returned (wrapped) by Fetch for an Object whose Name could
// escape its entry directory or be confused with a temporary file.
var ErrBadName = errors.New("bad name")

// checkName validates an Object's Name. Names come from object keys, which
// anyone who can write to the bucket controls, so they never become paths
// unchecked: the name must stay inside the entry's hash directory.
func checkName(name string) error {
	switch {
	case name == "":
		return errors.New("empty")
	case strings.HasPrefix(name, "/"):
		return errors.New("absolute path")
	case strings.ContainsAny(name, "\\\x00"):
		return errors.New("backslash or NUL")
	}
	for seg := range strings.SplitSeq(name, "/") {
		switch {
		case seg == "":
			return errors.New("empty path segment")
		case seg == "." || seg == "..":
			return fmt.Errorf("%q segment", seg)
		case seg[0] == '.':
			// Hidden files are skipped by Hive and Spark, and dot-names are
			// how partial downloads are told apart on Open.
			return fmt.Errorf("segment %q starts with a dot", seg)
		}
	}
	if !filepath.IsLocal(filepath.FromSlash(name)) {
		return errors.New("not a local path")
	}
	return nil
}

// entryRel returns the entry path of o, relative to Dir, after checking o.
func entryRel(store *objstore.Store, o Object) (string, error) {
	if err := checkName(o.Name); err != nil {
		return "", fmt.Errorf("cache: fetch %s: %w %q: %v", store.Location(o.Key), ErrBadName, o.Name, err)
	}
	switch {
	case o.Key == "":
		return "", fmt.Errorf("cache: fetch %s: empty key", store.Location(o.Key))
	case o.ETag == "":
		return "", fmt.Errorf("cache: fetch %s: no etag (the cache needs it to tell versions apart)", store.Location(o.Key))
	case o.Size < 0:
		return "", fmt.Errorf("cache: fetch %s: negative size %d", store.Location(o.Key), o.Size)
	}
	id := store.URL() + "\x00" + o.Key + "\x00" + o.ETag
	if o.Ranges != nil {
		id += "\x00sparse" // a sparse copy is another entry than the whole one
	}
	sum := sha256.Sum256([]byte(id))
	h := hex.EncodeToString(sum[:])
	return h[:2] + "/" + h + "/" + o.Name, nil
}
