package gokernel

import "github.com/lakebook/lakebook/notebooks"

// The protocol is one JSON object per line.
//
// Parent to child (fd 3 in the child):
//
//	{"type":"run","id":1,"code":"x := 1"}
//	{"type":"cancel","id":1}
//	{"type":"chdir","text":"/abs/dir"}                 a warm kernel taken by a notebook
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
	msgReady  = "ready"
	msgOutput = "output"
	msgDone   = "done"
)

// Child fds of the protocol pipes, as placed by exec.Cmd.ExtraFiles.
const (
	childCommandFD = 3
	childEventFD   = 4
)

// exitBroken is the child's exit status when the interpreter can no longer evaluate anything.
const exitBroken = 3

type message struct {
	Type   string           `json:"type"`
	ID     uint64           `json:"id,omitempty"`
	Code   string           `json:"code,omitempty"`
	Stream string           `json:"stream,omitempty"`
	Text   string           `json:"text,omitempty"`
	Error  *notebooks.Error `json:"error,omitempty"`
	// Broken says the interpreter is unusable and the child is exiting.
	Broken bool `json:"broken,omitempty"`
}

// maxMessage bounds a protocol line so a child writing garbage cannot exhaust the parent.
const maxMessage = 32 << 20
