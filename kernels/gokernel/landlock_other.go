//go:build !linux

package gokernel

// landlockABI is 0: Landlock is Linux's.
func landlockABI() int { return 0 }

// confine does nothing where Landlock is not available.
func confine(dir string, private []string) error { return nil }
