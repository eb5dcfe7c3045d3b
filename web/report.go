package web

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/lakebook/lakebook/notebooks"
)

// cellText shows a table value as the notebook page does: strings as they are, NULL as "null".
func cellText(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64) // never 3e+06
	case int64, int, bool, json.Number:
		return fmt.Sprint(v)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func rowCountText(o notebooks.Output) string {
	n := int64(len(o.Rows))
	if o.RowCount != nil {
		n = *o.RowCount
	}
	if n > int64(len(o.Rows)) {
		return fmt.Sprintf("%d rows, the first %d shown", n, len(o.Rows))
	}
	if n == 1 {
		return "1 row"
	}
	return fmt.Sprintf("%d rows", n)
}
