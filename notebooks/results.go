package notebooks

// SortKey orders a result's rows by a column.
type SortKey struct {
	Column string `json:"column"`
	Desc   bool   `json:"desc,omitempty"`
}

// Filter ops.
const (
	FilterEq       = "="
	FilterNe       = "!="
	FilterLt       = "<"
	FilterLe       = "<="
	FilterGt       = ">"
	FilterGe       = ">="
	FilterContains = "contains"
	FilterIsNull   = "is_null"
	FilterNotNull  = "not_null"
)

// Filter keeps a result's rows whose column compares with Value (unused by is_null and
// not_null).
type Filter struct {
	Column string `json:"column"`
	Op     string `json:"op"`
	Value  any    `json:"value,omitempty"`
}

// RowsQuery asks for a page of a result, filtered and sorted on the server.
type RowsQuery struct {
	Offset int64     `json:"offset"`
	Limit  int64     `json:"limit"`
	Sort   []SortKey `json:"sort,omitempty"`
	Filter []Filter  `json:"filter,omitempty"`
}

// Bin is one bar of a histogram: values in [Lo, Hi).
type Bin struct {
	Lo    any   `json:"lo"`
	Hi    any   `json:"hi"`
	Count int64 `json:"count"`
}

// ColumnSummary describes one column of a whole result.
type ColumnSummary struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Nulls    int64  `json:"nulls"`
	Distinct int64  `json:"distinct"`
	// Approx says Distinct is an estimate (HyperLogLog), as it is for big results.
	Approx    bool  `json:"approx,omitempty"`
	Min       any   `json:"min"`
	Max       any   `json:"max"`
	Histogram []Bin `json:"histogram,omitempty"`
}

// PivotResult is a chart's points, computed over the whole result.
type PivotResult struct {
	Columns []Column `json:"columns"`
	Rows    [][]any  `json:"rows"`
	// Total is the number of rows of the result the points summarize.
	Total int64 `json:"total"`
	// Sampled is the number of points kept when a scatter was sampled.
	Sampled   int64 `json:"sampled,omitempty"`
	Truncated bool  `json:"truncated,omitempty"`
}
