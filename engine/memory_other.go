//go:build !linux

package engine

// physicalMemory returns 0: unknown, so DuckDB keeps its own default.
func physicalMemory() int64 { return 0 }
