//go:build !linux

package gokernel

// waitExit would wait for pid to exit without reaping it; without waitid(WNOWAIT) it returns at
// once and the process group is killed right away, which the caller does anyway.
func waitExit(pid int) {}

// limitMemory is a no-op where prlimit is not available.
func limitMemory(pid int, bytes int64) error { return nil }

// limitFiles is a no-op where prlimit is not available.
func limitFiles(pid int) error { return nil }
