package trash

import (
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/lakebook/lakebook/notebooks"
)

func TestDecodeRefusesBadRecords(t *testing.T) {
	for _, rec := range []string{`{`, `{"name":"../../etc/passwd"}`, `{"name":""}`, `{"name":".trash/x"}`} {
		if _, err := Decode("abcdefghij", []byte(rec)); notebooks.ErrorCode(err) != notebooks.EBrokenFile {
			t.Errorf("Decode(%s) = %v, want broken_file", rec, err)
		}
	}
}

// TestIndexReadsOnlyWhatChanged: a listing reads the records that are new or changed, keeps a
// broken one out until it changes, forgets those no longer listed, and reads again one that
// could not be read.
func TestIndexReadsOnlyWhatChanged(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 12, d, 0, 0, 0, 0, time.UTC) }
	records := map[string]Entry{
		"aaaaaaaaaa": {ID: "aaaaaaaaaa", Name: "a", Deleted: day(1)},
		"bbbbbbbbbb": {ID: "bbbbbbbbbb", Name: "b", Deleted: day(2)},
	}
	var reads []string
	read := func(id string) (Entry, error) {
		reads = append(reads, id)
		switch id {
		case "brokenbrok":
			return Entry{}, notebooks.Errorf(notebooks.EBrokenFile, "trash entry %s: bad record", id)
		case "goneeeeeee":
			return Entry{}, notebooks.Errorf(notebooks.ENotFound, "no trash entry %q", id)
		}
		return records[id], nil
	}
	var x Index
	steps := []struct {
		name      string
		listed    map[string]string
		wantReads []string
		want      []string // names, most recently deleted first
	}{
		{"first listing reads all", map[string]string{"aaaaaaaaaa": "1", "bbbbbbbbbb": "1"}, []string{"aaaaaaaaaa", "bbbbbbbbbb"}, []string{"b", "a"}},
		{"unchanged reads none", map[string]string{"aaaaaaaaaa": "1", "bbbbbbbbbb": "1"}, nil, []string{"b", "a"}},
		{"a changed record is read again", map[string]string{"aaaaaaaaaa": "2", "bbbbbbbbbb": "1"}, []string{"aaaaaaaaaa"}, []string{"b", "a"}},
		{"a broken record is left out", map[string]string{"aaaaaaaaaa": "2", "brokenbrok": "1"}, []string{"brokenbrok"}, []string{"a"}},
		{"and not read again until it changes", map[string]string{"aaaaaaaaaa": "2", "brokenbrok": "1"}, nil, []string{"a"}},
		{"a record gone since the listing is read each time", map[string]string{"goneeeeeee": "1"}, []string{"goneeeeeee"}, []string{}},
		{"again", map[string]string{"goneeeeeee": "1"}, []string{"goneeeeeee"}, []string{}},
		{"forgotten records are read when they come back", map[string]string{"aaaaaaaaaa": "2"}, []string{"aaaaaaaaaa"}, []string{"a"}},
	}
	for _, st := range steps {
		reads = nil
		got := x.List(st.listed, read)
		sort.Strings(reads)
		if !slices.Equal(reads, st.wantReads) {
			t.Errorf("%s: read %v, want %v", st.name, reads, st.wantReads)
		}
		names := []string{}
		for _, e := range got {
			names = append(names, e.Name)
		}
		if !slices.Equal(names, st.want) {
			t.Errorf("%s: listed %v, want %v", st.name, names, st.want)
		}
	}
}
