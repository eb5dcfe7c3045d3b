package crawl

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lakebook/lakebook/engine/objstore"
)

// HiveNull is the value Hive/Spark write for a NULL partition value.
const HiveNull = "__HIVE_DEFAULT_PARTITION__"

// detectPartitions reads key=value folder segments between prefix and each
// file name. Every file must have the same keys in the same order; folders
// that are not key=value are not allowed in a partitioned table.
func detectPartitions(prefix string, objs []objstore.Object) ([]Column, []map[string]string, error) {
	var names []string
	var ref string // key of the file that set names
	parts := make([]map[string]string, len(objs))
	values := map[string][]string{}
	for i, o := range objs {
		rel := strings.TrimPrefix(o.Key, prefix)
		segs := strings.Split(rel, "/")
		segs = segs[:len(segs)-1] // drop the file name
		var fileNames []string
		var m map[string]string
		for _, s := range segs {
			k, v, ok := strings.Cut(s, "=")
			if !ok || k == "" {
				fileNames = append(fileNames, "!"+s) // a plain folder
				continue
			}
			if uk, err := url.PathUnescape(k); err == nil {
				k = uk
			}
			if uv, err := url.PathUnescape(v); err == nil {
				v = uv
			}
			if m == nil {
				m = map[string]string{}
			}
			if _, dup := m[k]; dup {
				return nil, nil, fmt.Errorf("%s: partition key %q appears twice", o.Key, k)
			}
			m[k] = v
			fileNames = append(fileNames, k)
		}
		if i == 0 {
			names, ref = fileNames, o.Key
		} else if !equal(names, fileNames) {
			return nil, nil, fmt.Errorf("inconsistent partitions: %s has %s but %s has %s",
				o.Key, describe(fileNames), ref, describe(names))
		}
		parts[i] = m
		for k, v := range m {
			values[k] = append(values[k], v)
		}
	}
	for _, n := range names {
		if strings.HasPrefix(n, "!") {
			return nil, nil, fmt.Errorf("%s: folder %q is not a key=value partition (crawl the folder below it, or use key=value folders throughout)", ref, n[1:])
		}
	}
	keys := make([]Column, len(names))
	for i, n := range names {
		keys[i] = Column{Name: n, Type: inferPartitionType(values[n])}
	}
	return keys, parts, nil
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func describe(names []string) string {
	if len(names) == 0 {
		return "no partition folders"
	}
	var b []string
	for _, n := range names {
		if strings.HasPrefix(n, "!") {
			b = append(b, "folder "+strconv.Quote(n[1:]))
		} else {
			b = append(b, n+"=…")
		}
	}
	return "[" + strings.Join(b, "/") + "]"
}

// inferPartitionType follows DuckDB's hive_types_autocast: BIGINT, DOUBLE,
// DATE, TIMESTAMP, else VARCHAR. NULL markers and empty values are ignored.
func inferPartitionType(vals []string) string {
	cands := []string{"BIGINT", "DOUBLE", "DATE", "TIMESTAMP"}
	seen := false
	for _, v := range vals {
		if v == "" || v == HiveNull {
			continue
		}
		seen = true
		var keep []string
		for _, c := range cands {
			if parsesAs(c, v) {
				keep = append(keep, c)
			}
		}
		cands = keep
		if len(cands) == 0 {
			return "VARCHAR"
		}
	}
	if !seen {
		return "VARCHAR"
	}
	return cands[0]
}

var timestampLayouts = []string{
	"2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05Z07:00", "2006-01-02 15:04", "2006-01-02T15:04",
}

func parsesAs(typ, v string) bool {
	switch typ {
	case "BIGINT":
		_, err := strconv.ParseInt(v, 10, 64)
		return err == nil
	case "DOUBLE":
		if strings.EqualFold(v, "nan") || strings.EqualFold(v, "inf") || strings.EqualFold(v, "infinity") {
			return false
		}
		_, err := strconv.ParseFloat(v, 64)
		return err == nil
	case "BOOLEAN":
		return strings.EqualFold(v, "true") || strings.EqualFold(v, "false")
	case "DATE":
		_, err := time.Parse("2006-01-02", v)
		return err == nil && len(v) == 10
	case "TIMESTAMP":
		for _, l := range timestampLayouts {
			if _, err := time.Parse(l, v); err == nil {
				return true
			}
		}
	}
	return false
}

// partitionPath renders a file's partition as "k1=v1/k2=v2" in key order.
func partitionPath(keys []Column, p map[string]string) string {
	var b []string
	for _, k := range keys {
		b = append(b, k.Name+"="+p[k.Name])
	}
	return strings.Join(b, "/")
}
