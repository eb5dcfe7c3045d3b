package objstore

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
)

// Range is a span of an object's bytes.
type Range struct{ Off, Len int64 }

// MarshalJSON writes a range as [off, len], compact in catalogs that hold many.
func (r Range) MarshalJSON() ([]byte, error) {
	return []byte("[" + strconv.FormatInt(r.Off, 10) + "," + strconv.FormatInt(r.Len, 10) + "]"), nil
}

// UnmarshalJSON reads [off, len].
func (r *Range) UnmarshalJSON(b []byte) error {
	var v []int64
	if err := json.Unmarshal(b, &v); err != nil || len(v) != 2 {
		return fmt.Errorf("range: want [offset, length], got %.40s", b)
	}
	r.Off, r.Len = v[0], v[1]
	return nil
}

// End is the offset just past the range.
func (r Range) End() int64 { return r.Off + r.Len }

// MergeRanges returns rs sorted, without empty ranges, with ranges that overlap or lie at most
// gap bytes apart joined into one (gap 0 joins touching ranges). rs is not modified.
func MergeRanges(rs []Range, gap int64) []Range {
	rs = slices.Clone(rs)
	slices.SortFunc(rs, func(a, b Range) int { return cmp.Compare(a.Off, b.Off) })
	out := rs[:0]
	for _, r := range rs {
		if r.Len <= 0 {
			continue
		}
		if n := len(out); n > 0 && r.Off <= out[n-1].End()+gap {
			out[n-1].Len = max(out[n-1].End(), r.End()) - out[n-1].Off
			continue
		}
		out = append(out, r)
	}
	return out
}
