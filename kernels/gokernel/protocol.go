package gokernel

import (
	"encoding/json"

	"github.com/lakebook/lakebook/notebooks"
)

// The protocol is one JSON object per line.
//
// Parent to child (fd 3 in the child):
//
//	{"type":"run","id":1,"code":"x := 1","forms":{"origin":"SEA"}}   forms: the paragraph's inputs
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
//
// The nb package's calls are requests from the child, answered by the parent with a reply of
// the same req number (see data.go and child_nb.go):
//
//	{"type":"query","req":7,"code":"select …"}         reply: the result as Arrow IPC (a payload)
//	{"type":"register","req":8,"text":"name","size":N} + N bytes of Arrow IPC
//	{"type":"show","req":9,"size":N,"output":{"chart":…}} + N bytes of Arrow IPC: a result table, or chart
//	{"type":"put","req":10,"text":"name","value":{"kind":"int","v":3}}
//	{"type":"get","req":11,"text":"name"}               reply: "value", absent when unset
//	{"type":"reply","req":7,"size":N,"error":{...}}    + N bytes
//	{"type":"output","output":{"type":"html",…}}       an html or markdown output (sanitized by the parent)
//
// A message with a size is followed by that many bytes of payload, outside the JSON line:
// tables travel as Arrow IPC, never as JSON rows.
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

	msgQuery    = "query"
	msgRegister = "register"
	msgShow     = "show"
	msgPut      = "put"
	msgGet      = "get"
	msgReply    = "reply"
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

	// Req numbers a request of the nb package and its reply.
	Req uint64 `json:"req,omitempty"`
	// Size is the length of the payload that follows the line.
	Size int64 `json:"size,omitempty"`
	// Value is a value of nb.Put and nb.Get (see value.go).
	Value json.RawMessage `json:"value,omitempty"`
	// Output is a rich output of the child (html, markdown).
	Output *notebooks.Output `json:"output,omitempty"`
	// Forms are the values of the paragraph's inputs, for nb.Text and nb.Select.
	Forms map[string]any `json:"forms,omitempty"`

	payload []byte
	// oversize says the payload was bigger than the reader takes, and dropped.
	oversize bool
}

// maxMessage bounds a protocol line so a child writing garbage cannot exhaust the parent.
const maxMessage = 32 << 20
