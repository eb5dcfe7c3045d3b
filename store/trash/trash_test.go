package trash

import (
	"strings"
	"testing"

	"github.com/lakebook/lakebook/notebooks"
)

func TestUniqueName(t *testing.T) {
	long := strings.Repeat("x", notebooks.MaxNameLen)
	tests := []struct {
		name  string
		taken []string
		want  string
	}{
		{"q3", nil, "q3"},
		{"q3", []string{"q3"}, "q3 copy"},
		{"team/q3", []string{"team/q3", "team/q3 copy"}, "team/q3 copy 2"},
		{long, []string{long}, strings.Repeat("x", notebooks.MaxNameLen-len(" copy")) + " copy"},
	}
	for _, tt := range tests {
		got, err := UniqueName(tt.name, "copy", func(n string) bool {
			for _, x := range tt.taken {
				if x == n {
					return true
				}
			}
			return false
		})
		if err != nil || got != tt.want {
			t.Errorf("UniqueName(%q) = %q, %v, want %q", tt.name, got, err, tt.want)
		}
		if notebooks.ValidateName(got) != nil {
			t.Errorf("UniqueName(%q) = %q, not a valid name", tt.name, got)
		}
	}
}

func TestDecodeRefusesBadRecords(t *testing.T) {
	for _, rec := range []string{`{`, `{"name":"../../etc/passwd"}`, `{"name":""}`, `{"name":".trash/x"}`} {
		if _, err := Decode("abcdefghij", []byte(rec)); notebooks.ErrorCode(err) != notebooks.EBrokenFile {
			t.Errorf("Decode(%s) = %v, want broken_file", rec, err)
		}
	}
}
