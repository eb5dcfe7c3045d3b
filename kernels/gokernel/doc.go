// Package gokernel runs Go paragraphs in a child process that interprets them with yaegi.
//
// The interpreter lives in its own process because yaegi is no sandbox and because a panic in a
// goroutine started by interpreted code kills whatever process hosts it. The server side is
// [Kernel] (one per notebook session); the child side is [RunChild], which the lakebook binary
// calls for its `kernel` subcommand.
//
// Parent and child speak JSON lines over two dedicated pipes (fds 3 and 4 in the child), never
// over the child's stdout: fd 1 and the os.Stderr of interpreted code are pipes that the child
// reads and forwards as output messages, so output and the end of a run travel in one ordered
// channel. The child's fd 2 goes to the parent, which keeps its tail to say why a child died
// (the runtime writes "fatal error: stack overflow" there and nowhere else). See protocol.go.
//
// Semantics worth knowing:
//   - One interpreter per process: variables, functions, types and imports persist across runs
//     until the process dies or is restarted.
//   - A paragraph is split into declarations (import, func, type, var, const), evaluated first,
//     and statements, evaluated after; if the last item is an expression, its value is shown
//     (not for the fmt.Print family).
//   - Standard library packages are imported on first use (fmt.Println works without import
//     "fmt"); importing a package again is fine.
//   - Output printed by a goroutine after the run that started it has ended goes to the run in
//     progress, if any, and is dropped otherwise.
//   - Cancelling a run stops every goroutine of interpreted code, not only the run's own. If the
//     run does not stop within the grace period (stuck in native code such as
//     sync.WaitGroup.Wait), the process is killed and restarted, and the variables are lost.
//     time.Sleep is replaced by a version that cancellation interrupts.
//   - With Options.Private, the child confines itself before its first run (landlock_linux.go):
//     Landlock lets it read everything but the private paths and other processes' /proc, and
//     write only its own folder and TMPDIR. A warm kernel is confined when a notebook takes it.
//   - Only the standard library of stdlib.Symbols is available: no os/exec, unsafe or syscall
//     (os.StartProcess works), and os.Exit and log.Fatal panic instead of exiting.
//
// The data: the nb package (kernels/gokernel/nb, imported as "lakebook/nb" or on first use of
// nb.) gives paragraphs the notebook's SQL session. The child has no engine; each nb call is a
// request over the protocol pipes that the parent serves with Options.Data (the notebook's SQL
// kernel, wired in by cmd/lakebook) while the run lasts, and tables cross as Arrow IPC payloads
// after the JSON line (frames.go), never as JSON rows. HTML a paragraph shows is sanitized in
// the parent: the child runs user code. Tables nb.Show makes are results of the SQL session, and
// Kernel pages, charts, downloads and keeps them through Data.
//
// What yaegi v0.16.1 lacks of today's Go is rewritten before compiling (child_rewrite.go):
// ranging over an integer becomes a three-clause loop when the code shows the value is an
// integer; min, max, clear and slices.Sort, SortFunc, SortStableFunc, IsSorted, BinarySearch,
// Min and Max call helpers (child_builtins.go). Declaring a type again differently is refused
// (yaegi would keep the old one); declaring it again the same way is fine. What stays: ranging
// over a function or an iterator (slices.Sorted, maps.Keys: a precise error); a variable
// outside functions defined from a generic call (min included) fails to type; inference across
// two type parameters can be wrong (the error suggests explicit type arguments); a definition
// that fails to compile may leave its name declared with the zero value; panics have no line
// (yaegi reports the first statement of the frame, not the panicking one).
package gokernel
