package main

import (
	"fmt"
	"path/filepath"
)

// tableSpec describes one TPC-H table as the benchmark lays it out, locally under the data
// directory and in S3 under tpch/<name>/.
type tableSpec struct {
	Name string
	// PartitionKey is the hive partition column ("l_shipyear"), empty for an unpartitioned
	// table. Its value is the year of DateColumn; the files are not holding it.
	PartitionKey string
	// DateColumn is the column the partition key is derived from (year(DateColumn)); the data
	// is sorted by it, so the min/max statistics of each file and row group are tight.
	DateColumn string
}

// tables lists the eight TPC-H tables, largest first.
var tables = []tableSpec{
	{Name: "lineitem", PartitionKey: "l_shipyear", DateColumn: "l_shipdate"},
	{Name: "orders", PartitionKey: "o_orderyear", DateColumn: "o_orderdate"},
	{Name: "partsupp"},
	{Name: "part"},
	{Name: "customer"},
	{Name: "supplier"},
	{Name: "nation"},
	{Name: "region"},
}

// glob is the read_parquet pattern of the table's files under root.
func (t tableSpec) glob(root string) string {
	if t.PartitionKey != "" {
		return filepath.Join(root, t.Name, "**", "*.parquet")
	}
	return filepath.Join(root, t.Name, "*.parquet")
}

// viewSQL creates a view named after the table over its Parquet files under root.
func (t tableSpec) viewSQL(root string) string {
	hive := ""
	if t.PartitionKey != "" {
		hive = ", hive_partitioning = true"
	}
	return fmt.Sprintf("CREATE OR REPLACE VIEW %s AS SELECT * FROM read_parquet(%s%s)", t.Name, sqlString(t.glob(root)), hive)
}
