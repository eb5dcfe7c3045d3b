package trash

import (
	"testing"

	"github.com/lakebook/lakebook/notebooks"
)

func TestDecodeRefusesBadRecords(t *testing.T) {
	for _, rec := range []string{`{`, `{"name":"../../etc/passwd"}`, `{"name":""}`, `{"name":".trash/x"}`} {
		if _, err := Decode("abcdefghij", []byte(rec)); notebooks.ErrorCode(err) != notebooks.EBrokenFile {
			t.Errorf("Decode(%s) = %v, want broken_file", rec, err)
		}
	}
}
