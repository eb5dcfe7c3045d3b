// Command lakebook-kernel is the Go kernel child process the lakebook server starts for each
// notebook session; it is not run by hand. It is the same code as `lakebook kernel`, built on
// its own and without cgo: without DuckDB and the server linked in, a kernel's resident memory
// is a third of what it is as `lakebook kernel` (25 MiB against 67 MiB, measured), and without
// cgo Landlock confines every thread through the Go runtime rather than libpsx. The server
// uses it when it lies beside the server's executable (gokernel.Standalone).
package main

import (
	"os"

	"github.com/lakebook/lakebook/kernels/gokernel"
)

func main() { os.Exit(gokernel.RunChild()) }
