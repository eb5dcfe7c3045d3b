// Package trash is the vocabulary of the notebook trash shared by the stores that keep it
// (store/local, store/blobstore) and the server that serves it. A trashed notebook's file is
// kept unchanged next to a small JSON record of where it came from, both named by an entry id
// of the store's own making, so nothing a user types ever becomes a trash path.
package trash

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/lakebook/lakebook/notebooks"
)

// Dir is the folder (local) or key prefix (bucket) that holds the trash, beside the notebooks.
// Its leading dot keeps it out of every listing: no notebook name part may start with a dot.
const Dir = ".trash"

// Entry is one trashed notebook.
type Entry struct {
	// ID names the entry in the trash; it is not the notebook's id, which the same notebook
	// keeps when it is trashed, restored and trashed again.
	ID         string    `json:"id"`
	NotebookID string    `json:"notebookId"`
	Name       string    `json:"name"`
	Deleted    time.Time `json:"deleted"`
	// Error is set when the trashed file does not parse; it is restored as it is.
	Error string `json:"error,omitempty"`
}

var idPattern = regexp.MustCompile(`^[a-z0-9]{10,32}$`)

// ValidID reports whether id has the form of an entry id, so a user-given one can be turned
// into a path or key safely.
func ValidID(id string) bool { return idPattern.MatchString(id) }

// CheckID refuses user-given entry ids that are not of the store's making (EInvalid).
func CheckID(id string) error {
	if !ValidID(id) {
		return notebooks.Errorf(notebooks.EInvalid, "%q is not a trash entry id", id)
	}
	return nil
}

// MetaFile and NotebookFile are the names, inside Dir, of an entry's record and its file.
func MetaFile(id string) string     { return id + ".json" }
func NotebookFile(id string) string { return id + notebooks.FileExt }

// EntryID returns the entry id of a record's file name, and whether it is one.
func EntryID(file string) (string, bool) {
	id, ok := strings.CutSuffix(file, ".json")
	return id, ok && ValidID(id)
}

// record is what the JSON record holds; the entry id is its file name.
type record struct {
	NotebookID string    `json:"notebookId"`
	Name       string    `json:"name"`
	Deleted    time.Time `json:"deleted"`
}

// Encode returns the record of e.
func Encode(e Entry) ([]byte, error) {
	return json.Marshal(record{NotebookID: e.NotebookID, Name: e.Name, Deleted: e.Deleted.UTC()})
}

// Decode reads the record of entry id. A record whose name would not be a valid notebook name
// (edited by hand) is refused, since restoring turns the name into a path.
func Decode(id string, data []byte) (Entry, error) {
	var r record
	if err := json.Unmarshal(data, &r); err != nil {
		return Entry{}, notebooks.Errorf(notebooks.EBrokenFile, "trash entry %s: bad record: %v", id, err)
	}
	if err := notebooks.ValidateName(r.Name); err != nil {
		return Entry{}, notebooks.Errorf(notebooks.EBrokenFile, "trash entry %s: %v", id, err)
	}
	return Entry{ID: id, NotebookID: r.NotebookID, Name: r.Name, Deleted: r.Deleted}, nil
}

// RestoreName returns the name a restored notebook gets: its own, or when that is taken (or
// its folders would clash) "NAME restored", "NAME restored 2", … — a restore never overwrites.
func RestoreName(name string, taken func(string) bool) (string, error) {
	return notebooks.UniqueName(name, "restored", taken)
}

// Sort orders entries most recently deleted first (then by name), as a trash view shows them.
func Sort(entries []Entry) {
	sort.Slice(entries, func(i, j int) bool {
		a, b := entries[i], entries[j]
		if !a.Deleted.Equal(b.Deleted) {
			return a.Deleted.After(b.Deleted)
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.ID < b.ID
	})
}

// NewEntry starts the entry of a notebook being trashed now; broken is its parse error, if any.
func NewEntry(notebookID, name string, broken error) Entry {
	e := Entry{ID: notebooks.NewID(), NotebookID: notebookID, Name: name, Deleted: time.Now().UTC().Truncate(time.Second)}
	if broken != nil {
		e.Error = broken.Error()
	}
	return e
}

// Index keeps the trash's records in memory, each with the change token of the record it was
// read from (an ETag, or a size and modification time), so listing the trash — which the
// notebook list page does on every load — reads only the records that are new or changed since
// the last listing, not every one. The stores still list their trash folder each time, so
// entries other programs add or remove are seen. The zero Index is ready to use; it is not safe
// for concurrent use (the stores call it under their lock).
type Index struct {
	records map[string]indexed
}

type indexed struct {
	token string
	entry Entry
	// broken is set for a record that does not decode: skipped until it changes.
	broken bool
}

// List returns the entries of the records listed now (entry id → change token), most recently
// deleted first. read is called for the records that are not in the index or whose token
// changed. A record read cannot read is left out: one broken by hand is remembered as broken
// until it changes; one that failed otherwise (deleted since the listing) is read again next
// time. Records no longer listed are forgotten.
func (x *Index) List(listed map[string]string, read func(id string) (Entry, error)) []Entry {
	next := make(map[string]indexed, len(listed))
	out := []Entry{}
	for id, token := range listed {
		r, ok := x.records[id]
		if !ok || r.token != token {
			e, err := read(id)
			if err != nil && notebooks.ErrorCode(err) != notebooks.EBrokenFile {
				continue
			}
			r = indexed{token: token, entry: e, broken: err != nil}
		}
		next[id] = r
		if !r.broken {
			out = append(out, r.entry)
		}
	}
	x.records = next
	Sort(out)
	return out
}
