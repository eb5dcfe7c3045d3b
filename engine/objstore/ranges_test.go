package objstore_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/lakebook/lakebook/engine/objstore"
)

func TestMergeRanges(t *testing.T) {
	r := func(off, n int64) objstore.Range { return objstore.Range{Off: off, Len: n} }
	for _, tc := range []struct {
		name     string
		in, want []objstore.Range
	}{
		{"empty", nil, []objstore.Range{}},
		{"apart", []objstore.Range{r(200, 10), r(0, 10)}, []objstore.Range{r(0, 10), r(200, 10)}},
		{"within the gap", []objstore.Range{r(0, 10), r(50, 10)}, []objstore.Range{r(0, 60)}},
		{"overlapping and contained", []objstore.Range{r(0, 100), r(10, 5), r(90, 50)}, []objstore.Range{r(0, 140)}},
		{"empty ranges dropped", []objstore.Range{r(5, 0), r(300, 1)}, []objstore.Range{r(300, 1)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := objstore.MergeRanges(tc.in, 64)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("Merge(%v) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestRangeJSON(t *testing.T) {
	in := []objstore.Range{{Off: 4, Len: 100}, {Off: 1 << 40, Len: 7}}
	b, err := json.Marshal(in)
	if err != nil || string(b) != "[[4,100],[1099511627776,7]]" {
		t.Fatalf("Marshal: %s, %v", b, err)
	}
	var out []objstore.Range
	if err := json.Unmarshal(b, &out); err != nil || fmt.Sprint(out) != fmt.Sprint(in) {
		t.Fatalf("Unmarshal: %v, %v", out, err)
	}
	for _, bad := range []string{`[1]`, `{"Off":1}`, `[1,"x"]`, `[1,2,3]`} {
		var r objstore.Range
		if err := json.Unmarshal([]byte(bad), &r); err == nil {
			t.Errorf("Unmarshal(%s) = %v, want an error", bad, r)
		}
	}
}
