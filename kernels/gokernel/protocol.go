package gokernel

import "github.com/lakebook/lakebook/notebooks"

// The protocol is one JSON object per line.
//
// Parent to child (fd 3 in the child):
//
//	{"type":"run","id":1,"code":"x := 1"}
//	{"type":"cancel","id":1}
//	{"type":"chdir","text":"/abs/dir"}                 a warm kernel taken by a notebook
//	{"type":"confine","text":"/abs/dir","paths":[...]} before any run: see Options.Private
//
// Child to parent (fd 4 in the child):
//
//	{"type":"ready"}                                   once, when the interpreter is loaded
//	{"type":"output","stream":"stdout","text":"..."}   stream is "stdout", "stderr" or "" (a value)
//	{"type":"done","id":1,"error":{...},"broken":true} last message of run 1
//
// Output messages carry no run id: output of goroutines outlives runs, and the parent gives it
// to whatever run is in progress.
const (
	msgRun    = "run"
	msgCancel = "cancel"
	msgChdir  = "chdir"
	// msgConfine restricts the child to its own folder (Text) and away from the server's
	// state (Paths), with Landlock (landlock_linux.go). A child that cannot confine itself
	// exits rather than run code unconfined.
	msgConfine = "confine"
	msgReady   = "ready"
	msgOutput  = "output"
	msgDone    = "done"
)

// Child fds of the protocol pipes, as placed by exec.Cmd.ExtraFiles.
const (
	childCommandFD = 3
	childEventFD   = 4
)

// exitBroken is the child's exit status when the interpreter can no longer evaluate anything.
const exitBroken = 3

// exitConfine is the child's exit status when it could not confine itself.
const exitConfine = 4

type message struct {
	Type   string           `json:"type"`
	ID     uint64           `json:"id,omitempty"`
	Code   string           `json:"code,omitempty"`
	Stream string           `json:"stream,omitempty"`
	Text   string           `json:"text,omitempty"`
	Error  *notebooks.Error `json:"error,omitempty"`
	// Broken says the interpreter is unusable and the child is exiting.
	Broken bool `json:"broken,omitempty"`
	// Paths are the private paths of a confine message.
	Paths []string `json:"paths,omitempty"`
}

// maxMessage bounds a protocol line so a child writing garbage cannot exhaust the parent.
const maxMessage = 32 << 20
