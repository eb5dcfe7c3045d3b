package server

import "testing"

// SetBeforeChartID makes shareable call f between reading a paragraph and giving it its chart
// id, until the test ends, so a test can land another client's edit exactly there.
func SetBeforeChartID(t testing.TB, f func(pid string)) {
	t.Helper()
	beforeChartID.Store(&f)
	t.Cleanup(func() { beforeChartID.Store(nil) })
}
