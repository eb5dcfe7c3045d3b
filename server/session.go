package server

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/lakebook/lakebook/notebooks"
)

// Run statuses, as Zeppelin names them.
const (
	StatusPending  = "PENDING"
	StatusRunning  = "RUNNING"
	StatusFinished = "FINISHED"
	StatusError    = "ERROR"
	StatusAborted  = "ABORTED"
)

// maxTextOutput bounds one streamed text output; a paragraph printing forever must not grow the
// server without limit.
const maxTextOutput = 1 << 20

// session is one open notebook: its document in memory (the file on disk always holds what was
// acknowledged), its kernels, its run queue, and the websocket clients watching it. Every change
// happens under mu and is broadcast under mu, so all clients see events in one order.
type session struct {
	srv *Server
	id  string

	ctx    context.Context // cancelled by close: stops the worker and every run
	cancel context.CancelFunc
	// restoring serializes bringing kept results back into a kernel.
	restoring sync.Mutex

	mu      sync.Mutex
	nb      *notebooks.Notebook
	revs    map[string]int64
	runs    map[string]*run // the latest run of each paragraph
	queue   []*run
	wake    chan struct{}
	clients map[*client]struct{}
	kernels map[notebooks.Lang]Kernel
	nextRun int64
	closed  bool
	// active is when a client last left or a run last ended.
	active   time.Time
	finished chan struct{} // closed when the worker has stopped
}

// run is one execution of a paragraph.
type run struct {
	pid  string
	lang notebooks.Lang
	text string
	view runView
	// failed is set when the run cannot start (a form value that is not one of its options).
	failed error
	// forms are the input values of a Go run, passed in its context.
	forms map[string][]string
	// kept is the file of a result restored from before a restart, and keptID its id in the
	// kernel once restored.
	kept, keptID string
	// cancel interrupts the run when it is RUNNING.
	cancel context.CancelFunc
	done   chan struct{}
}

// runView is what clients see of a run.
type runView struct {
	RunID     int64              `json:"runId"`
	Status    string             `json:"status"`
	StartedAt *time.Time         `json:"startedAt,omitempty"`
	ElapsedMs int64              `json:"elapsedMs"`
	Outputs   []notebooks.Output `json:"outputs"`
	Error     *notebooks.Error   `json:"error,omitempty"`
	// Stats is what a SQL run read; Progress is where a SQL run is, while it waits or runs.
	Stats    *notebooks.QueryStats `json:"stats,omitempty"`
	Progress *notebooks.Progress   `json:"progress,omitempty"`
	// Restored marks a run kept from before the server restarted.
	Restored bool `json:"restored,omitempty"`
}

// paragraphView is a paragraph as clients see it: its content, its rev, its dynamic forms
// (parsed from the text) and its latest run.
type paragraphView struct {
	*notebooks.Paragraph
	Rev   int64            `json:"rev"`
	Forms []notebooks.Form `json:"forms,omitempty"`
	Run   *runView         `json:"run,omitempty"`
}

type notebookView struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Paragraphs []paragraphView `json:"paragraphs"`
}

// session returns the open session for a notebook, opening it from the store if needed.
func (s *Server) session(ctx context.Context, id string) (*session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, notebooks.Errorf(notebooks.EUnavailable, "the server is shutting down")
	}
	if ss := s.sessions[id]; ss != nil {
		return ss, nil
	}
	nb, err := s.opts.Store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	ss := newSession(s, nb)
	s.sessions[id] = ss
	return ss, nil
}

func newSession(s *Server, nb *notebooks.Notebook) *session {
	ctx, cancel := context.WithCancel(context.Background())
	ss := &session{
		srv: s, id: nb.ID, ctx: ctx, cancel: cancel, nb: nb,
		revs:     map[string]int64{},
		runs:     map[string]*run{},
		wake:     make(chan struct{}, 1),
		clients:  map[*client]struct{}{},
		kernels:  map[notebooks.Lang]Kernel{},
		finished: make(chan struct{}),
		active:   time.Now(),
	}
	for _, p := range nb.Paragraphs {
		ss.revs[p.ID] = 1
	}
	ss.loadKeptLocked()
	go ss.worker()
	return ss
}

// close cancels every run, closes the kernels and disconnects the clients with reason.
func (ss *session) close(reason string) {
	ss.mu.Lock()
	if ss.closed {
		ss.mu.Unlock()
		<-ss.finished
		return
	}
	ss.closed = true
	ss.cancel()
	for _, r := range ss.queue {
		ss.finishLocked(r, notebooks.Errorf(notebooks.ECanceled, "%s", reason))
	}
	ss.queue = nil
	ss.broadcastLocked(event{Type: "closed", Reason: reason})
	for c := range ss.clients {
		c.close()
	}
	ss.clients = map[*client]struct{}{}
	ss.mu.Unlock()
	<-ss.finished
	for lang, k := range ss.kernels {
		if err := k.Close(); err != nil {
			ss.srv.log.Warn("close kernel", slog.String("notebook", ss.id), slog.String("lang", string(lang)), slog.Any("err", err))
		}
	}
}

// forget removes the session from the server and closes it.
func (s *Server) forget(id, reason string) {
	s.mu.Lock()
	ss := s.sessions[id]
	delete(s.sessions, id)
	s.mu.Unlock()
	if ss != nil {
		ss.close(reason)
	}
}

func (ss *session) viewLocked() notebookView {
	v := notebookView{ID: ss.nb.ID, Name: ss.nb.Name, Paragraphs: make([]paragraphView, len(ss.nb.Paragraphs))}
	for i, p := range ss.nb.Paragraphs {
		v.Paragraphs[i] = ss.paragraphViewLocked(p, true)
	}
	return v
}

func (ss *session) paragraphViewLocked(p *notebooks.Paragraph, withRun bool) paragraphView {
	v := paragraphView{Paragraph: p.Clone(), Rev: ss.revs[p.ID], Forms: paragraphForms(p)}
	if r := ss.runs[p.ID]; r != nil && withRun {
		rv := r.view
		rv.Outputs = slices.Clone(rv.Outputs)
		if rv.Status == StatusRunning && rv.StartedAt != nil {
			rv.ElapsedMs = time.Since(*rv.StartedAt).Milliseconds()
		}
		v.Run = &rv
	}
	return v
}

func (ss *session) paragraphLocked(pid string) (*notebooks.Paragraph, int, error) {
	p, i := ss.nb.Paragraph(pid)
	if p == nil {
		return nil, -1, notebooks.Errorf(notebooks.ENotFound, "no paragraph %q in notebook %q", pid, ss.nb.Name)
	}
	return p, i, nil
}

// commitLocked saves next as the notebook and makes it current. A save that fails leaves the
// session as it was; a file changed on disk by hand is reloaded and pushed to every client.
func (ss *session) commitLocked(ctx context.Context, next *notebooks.Notebook) error {
	if ss.closed {
		return notebooks.Errorf(notebooks.ENotFound, "notebook %q was closed", ss.nb.Name)
	}
	err := ss.srv.opts.Store.Save(ctx, next)
	if notebooks.ErrorCode(err) == notebooks.EConflict {
		if nb, gerr := ss.srv.opts.Store.Get(ctx, ss.id); gerr == nil {
			ss.nb = nb
			for _, p := range nb.Paragraphs {
				ss.revs[p.ID]++
			}
			ss.broadcastLocked(event{Type: "notebook", Notebook: ptr(ss.viewLocked())})
		}
	}
	if err != nil {
		return err
	}
	ss.nb = next
	ss.active = time.Now()
	return nil
}

// paragraphEdit is a change to a paragraph's content; nil fields stay as they are.
type paragraphEdit struct {
	Rev      *int64             `json:"rev"`
	Text     *string            `json:"text"`
	Lang     *notebooks.Lang    `json:"lang"`
	Title    *string            `json:"title"`
	Settings *map[string]string `json:"settings"`
}

// conflictError refuses an edit based on an old rev; it carries the paragraph as it is now.
type conflictError struct {
	err       *notebooks.Error
	paragraph paragraphView
}

func (e *conflictError) Error() string { return e.err.Error() }
func (e *conflictError) Unwrap() error { return e.err }

// apply sets e's fields on p, handling a %sql/%go/%md first line.
func (e paragraphEdit) apply(p *notebooks.Paragraph) error {
	if e.Lang != nil {
		if !e.Lang.Valid() {
			return notebooks.Errorf(notebooks.EInvalid, "unknown language %q (want sql, go or md)", *e.Lang)
		}
		p.Lang = *e.Lang
	}
	if e.Text != nil {
		p.Text = *e.Text
		if lang, rest, ok := notebooks.SplitDirective(p.Text); ok {
			p.Lang, p.Text = lang, rest
		}
	}
	if e.Title != nil {
		p.Title = *e.Title
	}
	if e.Settings != nil {
		p.Settings = *e.Settings
		if len(p.Settings) == 0 {
			p.Settings = nil
		}
	}
	if err := p.Validate(); err != nil {
		return notebooks.Errorf(notebooks.EInvalid, "%v", err)
	}
	return nil
}

func (ss *session) edit(ctx context.Context, pid string, e paragraphEdit) (paragraphView, error) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	_, i, err := ss.paragraphLocked(pid)
	if err != nil {
		return paragraphView{}, err
	}
	if e.Rev != nil && *e.Rev != ss.revs[pid] {
		return paragraphView{}, &conflictError{
			err:       notebooks.Errorf(notebooks.EConflict, "paragraph %q was changed by someone else (rev %d, your edit was based on rev %d)", pid, ss.revs[pid], *e.Rev),
			paragraph: ss.paragraphViewLocked(ss.nb.Paragraphs[i], false),
		}
	}
	next := ss.nb.Clone()
	if err := e.apply(next.Paragraphs[i]); err != nil {
		return paragraphView{}, err
	}
	if err := ss.commitLocked(ctx, next); err != nil {
		return paragraphView{}, err
	}
	ss.revs[pid]++
	v := ss.paragraphViewLocked(ss.nb.Paragraphs[i], false)
	ss.broadcastLocked(event{Type: "paragraph", Paragraph: &v})
	return v, nil
}

func (ss *session) add(ctx context.Context, index int, e paragraphEdit) (paragraphView, error) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	p := &notebooks.Paragraph{ID: notebooks.NewID(), Lang: notebooks.SQL}
	if err := e.apply(p); err != nil {
		return paragraphView{}, err
	}
	next := ss.nb.Clone()
	if index < 0 || index > len(next.Paragraphs) {
		index = len(next.Paragraphs)
	}
	next.Paragraphs = slices.Insert(next.Paragraphs, index, p)
	if err := ss.commitLocked(ctx, next); err != nil {
		return paragraphView{}, err
	}
	ss.revs[p.ID] = 1
	v := ss.paragraphViewLocked(p, false)
	ss.broadcastLocked(event{Type: "added", Paragraph: &v, Index: ptr(index)})
	return v, nil
}

func (ss *session) move(ctx context.Context, pid string, index int) error {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	_, i, err := ss.paragraphLocked(pid)
	if err != nil {
		return err
	}
	if index < 0 || index >= len(ss.nb.Paragraphs) {
		return notebooks.Errorf(notebooks.EInvalid, "index %d is out of range: the notebook has %d paragraphs", index, len(ss.nb.Paragraphs))
	}
	next := ss.nb.Clone()
	p := next.Paragraphs[i]
	next.Paragraphs = slices.Insert(slices.Delete(next.Paragraphs, i, i+1), index, p)
	if err := ss.commitLocked(ctx, next); err != nil {
		return err
	}
	ss.broadcastLocked(event{Type: "moved", ID: pid, Index: ptr(index)})
	return nil
}

func (ss *session) remove(ctx context.Context, pid string) error {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	_, i, err := ss.paragraphLocked(pid)
	if err != nil {
		return err
	}
	next := ss.nb.Clone()
	next.Paragraphs = slices.Delete(next.Paragraphs, i, i+1)
	if err := ss.commitLocked(ctx, next); err != nil {
		return err
	}
	ss.cancelLocked(pid, "the paragraph was deleted")
	ss.dropResultsLocked(ss.runs[pid])
	delete(ss.revs, pid)
	delete(ss.runs, pid)
	ss.forget(pid)
	ss.broadcastLocked(event{Type: "deleted", ID: pid})
	return nil
}

func (ss *session) renamed(name string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.nb.Name = name
	ss.broadcastLocked(event{Type: "renamed", Name: name})
}

// enqueue queues runs of the given paragraphs, in order, with the text they have now.
func (ss *session) enqueue(pids ...string) ([]*run, error) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.closed {
		return nil, notebooks.Errorf(notebooks.EUnavailable, "notebook %q was closed", ss.nb.Name)
	}
	for _, pid := range pids {
		if _, _, err := ss.paragraphLocked(pid); err != nil {
			return nil, err
		}
	}
	runs := make([]*run, 0, len(pids))
	for _, pid := range pids {
		p, _, _ := ss.paragraphLocked(pid)
		// A paragraph already waiting keeps its place and runs the newest text.
		ss.cancelLocked(pid, "run again")
		ss.dropResultsLocked(ss.runs[pid])
		ss.nextRun++
		text, err := runText(p)
		var forms map[string][]string
		if p.Lang == notebooks.Go {
			// Go reads its inputs itself (nb.Text, nb.Select) from the run's context.
			forms, err = notebooks.FormValues(p.Settings)
		}
		r := &run{pid: pid, lang: p.Lang, text: text, forms: forms, failed: err, done: make(chan struct{}),
			view: runView{RunID: ss.nextRun, Status: StatusPending, Outputs: []notebooks.Output{}}}
		ss.runs[pid] = r
		ss.queue = append(ss.queue, r)
		ss.broadcastStatusLocked(r)
		runs = append(runs, r)
	}
	select {
	case ss.wake <- struct{}{}:
	default:
	}
	return runs, nil
}

// paragraphForms are the inputs the page renders above a paragraph: SQL's ${…} forms, Go's
// nb.Text and nb.Select calls.
func paragraphForms(p *notebooks.Paragraph) []notebooks.Form {
	if p.Lang == notebooks.Go {
		return notebooks.GoForms(p.Text)
	}
	return notebooks.UniqueForms(p.Text)
}

// runText is the text a paragraph runs: for SQL, its dynamic forms replaced by their values
// from the paragraph's settings, as SQL values (never raw text).
func runText(p *notebooks.Paragraph) (string, error) {
	if p.Lang != notebooks.SQL {
		return p.Text, nil
	}
	values, err := notebooks.FormValues(p.Settings)
	if err != nil {
		return p.Text, err
	}
	return notebooks.SubstituteSQL(p.Text, values)
}

// cancelLocked aborts the paragraph's pending run or interrupts its running one.
func (ss *session) cancelLocked(pid, why string) {
	r := ss.runs[pid]
	if r == nil {
		return
	}
	switch r.view.Status {
	case StatusPending:
		ss.queue = slices.DeleteFunc(ss.queue, func(q *run) bool { return q == r })
		ss.finishLocked(r, notebooks.Errorf(notebooks.ECanceled, "cancelled before it started: %s", why))
	case StatusRunning:
		r.cancel()
	}
}

// restartKernels closes the session's kernels (of lang, or all when lang is ""), interrupting
// their runs; the next run of that language starts a fresh kernel. It returns the languages
// whose kernels were running.
func (ss *session) restartKernels(lang notebooks.Lang) []notebooks.Lang {
	ss.mu.Lock()
	var stopped []notebooks.Lang
	var old []Kernel
	for l, k := range ss.kernels {
		if lang != "" && l != lang || l == notebooks.Markdown {
			continue // Markdown has no state to lose
		}
		for pid, r := range ss.runs {
			if r.lang == l && r.view.Status == StatusRunning {
				ss.cancelLocked(pid, "the kernel was restarted")
			}
		}
		delete(ss.kernels, l)
		stopped = append(stopped, l)
		old = append(old, k)
	}
	slices.Sort(stopped)
	for _, l := range stopped {
		ss.broadcastLocked(event{Type: "kernel", Lang: l, Status: "restarted"})
	}
	ss.mu.Unlock()
	for _, k := range old {
		if err := k.Close(); err != nil {
			ss.srv.log.Warn("restart kernel", slog.String("notebook", ss.id), slog.Any("err", err))
		}
	}
	return stopped
}

// idsAbove returns the ids of the paragraphs above pid, in order.
func (ss *session) idsAbove(pid string) ([]string, error) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	_, i, err := ss.paragraphLocked(pid)
	if err != nil {
		return nil, err
	}
	ids := make([]string, i)
	for j := range ids {
		ids[j] = ss.nb.Paragraphs[j].ID
	}
	return ids, nil
}

// dropResultsLocked frees the materialized results of a run being replaced.
func (ss *session) dropResultsLocked(r *run) {
	if r == nil {
		return
	}
	d, ok := ss.kernels[r.lang].(Dropper)
	if !ok {
		return
	}
	for _, o := range r.view.Outputs {
		if o.ResultID != "" && r.kept == "" {
			d.Drop(o.ResultID)
		}
	}
	if r.keptID != "" {
		d.Drop(r.keptID)
	}
}

func (ss *session) cancelRun(pid string) error {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if _, _, err := ss.paragraphLocked(pid); err != nil {
		return err
	}
	ss.cancelLocked(pid, "cancelled by the user")
	return nil
}

func (ss *session) worker() {
	defer close(ss.finished)
	// Runs are kept (keep.go) in order by a goroutine of their own, so the next run does not
	// wait for the last one's outputs to be written; the worker finishes once they are. A run
	// with a table to save is waited for: its save and the next run would contend for the SQL
	// session (measured: select-1 round trips p99 9 ms waited, 225 ms not).
	type job struct {
		r    *run
		done chan struct{}
	}
	keeps := make(chan job, 16)
	kept := make(chan struct{})
	go func() {
		defer close(kept)
		for j := range keeps {
			ss.keep(ss.ctx, j.r)
			close(j.done)
		}
	}()
	defer func() {
		close(keeps)
		<-kept
	}()
	for {
		ss.mu.Lock()
		var r *run
		if len(ss.queue) > 0 {
			r, ss.queue = ss.queue[0], ss.queue[1:]
		}
		ss.mu.Unlock()
		if r == nil {
			select {
			case <-ss.wake:
				continue
			case <-ss.ctx.Done():
				return
			}
		}
		ss.execute(r)
		j := job{r, make(chan struct{})}
		keeps <- j // waits only when the keeper is 16 runs behind
		if ss.savesTable(r) {
			<-j.done
		}
	}
}

func (ss *session) execute(r *run) {
	ctx, cancel := context.WithCancel(ss.ctx)
	defer cancel()
	ss.mu.Lock()
	if r.view.Status != StatusPending {
		ss.mu.Unlock()
		return
	}
	now := time.Now().UTC()
	r.view.Status, r.view.StartedAt, r.cancel = StatusRunning, &now, cancel
	ss.broadcastStatusLocked(r)
	ss.mu.Unlock()

	k, err := ss.kernel(ctx, r.lang)
	if r.failed != nil {
		err = r.failed
	}
	if r.forms != nil {
		ctx = notebooks.WithFormValues(ctx, r.forms)
	}
	if err == nil {
		err = k.Run(ctx, r.text, func(o notebooks.Output) {
			ss.mu.Lock()
			defer ss.mu.Unlock()
			ss.appendOutputLocked(r, o)
		})
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.finishLocked(r, err)
}

// kernel returns the session's kernel for lang, starting it on first use.
func (ss *session) kernel(ctx context.Context, lang notebooks.Lang) (Kernel, error) {
	ss.mu.Lock()
	k := ss.kernels[lang]
	ss.mu.Unlock()
	if k != nil {
		return k, nil
	}
	k, err := ss.srv.opts.NewKernel(ctx, lang, ss.id)
	if err != nil {
		ss.srv.log.Error("start kernel", slog.String("notebook", ss.id), slog.String("lang", string(lang)), slog.Any("err", err))
		if notebooks.ErrorCode(err) == notebooks.EInternal {
			return nil, notebooks.Errorf(notebooks.EUnavailable, "the %s kernel could not start", lang)
		}
		return nil, err
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.closed {
		k.Close()
		return nil, notebooks.Errorf(notebooks.ECanceled, "the notebook was closed")
	}
	if other := ss.kernels[lang]; other != nil {
		// A completion request started one at the same time as the worker: keep the first.
		go k.Close()
		return other, nil
	}
	ss.kernels[lang] = k
	return k, nil
}

func (ss *session) appendOutputLocked(r *run, o notebooks.Output) {
	switch o.Type {
	case notebooks.OutputStats:
		r.view.Stats = o.Stats
		return // sent with the final status
	case notebooks.OutputProgress:
		r.view.Progress = o.Progress
		ss.broadcastLocked(event{Type: "progress", ID: r.pid, RunID: r.view.RunID, Progress: o.Progress})
		return
	}
	outs := r.view.Outputs
	idx := len(outs)
	if o.Type == notebooks.OutputText && idx > 0 && outs[idx-1].Type == notebooks.OutputText && outs[idx-1].Stream == o.Stream && o.Stream != "" {
		// Streamed text grows in place, so a loop printing a line per second stays one output.
		idx--
		prev := outs[idx]
		if len(prev.Text) >= maxTextOutput {
			return
		}
		prev.Text += o.Text
		if len(prev.Text) >= maxTextOutput {
			prev.Text = prev.Text[:maxTextOutput] + "\n… output truncated at 1 MiB"
		}
		outs[idx] = prev
	} else {
		r.view.Outputs = append(outs, o)
	}
	out := r.view.Outputs[idx]
	ss.broadcastLocked(event{Type: "output", ID: r.pid, RunID: r.view.RunID, Index: ptr(idx), Output: &out})
}

func (ss *session) finishLocked(r *run, err error) {
	switch {
	case err == nil:
		r.view.Status = StatusFinished
	case notebooks.ErrorCode(err) == notebooks.ECanceled:
		r.view.Status = StatusAborted
		r.view.Error = notebooks.AsError(err)
	default:
		r.view.Status = StatusError
		if notebooks.ErrorCode(err) == notebooks.EInternal {
			ss.srv.log.Error("run", slog.String("notebook", ss.id), slog.String("paragraph", r.pid), slog.Any("err", err))
		}
		r.view.Error = notebooks.AsError(err)
	}
	if r.view.StartedAt != nil {
		r.view.ElapsedMs = time.Since(*r.view.StartedAt).Milliseconds()
	}
	r.view.Progress = nil
	ss.broadcastStatusLocked(r)
	ss.active = time.Now()
	close(r.done)
}

// idleSince reports whether nobody has had the session open and nothing has run for d.
func (ss *session) idleSince(d time.Duration) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if len(ss.clients) > 0 || len(ss.queue) > 0 || time.Since(ss.active) < d {
		return false
	}
	for _, r := range ss.runs {
		if r.view.Status == StatusRunning || r.view.Status == StatusPending {
			return false
		}
	}
	return true
}

func (ss *session) broadcastStatusLocked(r *run) {
	ss.broadcastLocked(event{Type: "status", ID: r.pid, RunID: r.view.RunID, Status: r.view.Status,
		StartedAt: r.view.StartedAt, ElapsedMs: &r.view.ElapsedMs, Error: r.view.Error, Stats: r.view.Stats})
}

// result returns a copy of a run's view once it is done.
func (ss *session) result(r *run) runView {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	v := r.view
	v.Outputs = slices.Clone(v.Outputs)
	return v
}

// maxPageRows bounds one page of a result, as JSON rows or Arrow.
const maxPageRows = 10000

// checkPage refuses a page request before it reaches a kernel.
func checkPage(offset, limit int64) error {
	if offset < 0 || limit <= 0 || limit > maxPageRows {
		return notebooks.Errorf(notebooks.EInvalid, "offset must be ≥ 0 and limit between 1 and %d", maxPageRows)
	}
	return nil
}

// page returns rows of a table output of one of this notebook's latest runs.
func (ss *session) page(ctx context.Context, resultID string, offset, limit int64) ([][]any, error) {
	if err := checkPage(offset, limit); err != nil {
		return nil, err
	}
	k, id, err := ss.resultKernel(ctx, resultID)
	if err != nil {
		return nil, err
	}
	pg, ok := k.(Pager)
	if !ok {
		return nil, noResult(resultID)
	}
	return pg.Page(ctx, id, offset, limit)
}

// viewer returns the kernel holding a result, for the result operations, and the result's id
// in that kernel.
func (ss *session) viewer(ctx context.Context, resultID string) (ResultViewer, string, error) {
	k, id, err := ss.resultKernel(ctx, resultID)
	if err != nil {
		return nil, "", err
	}
	v, ok := k.(ResultViewer)
	if !ok {
		return nil, "", notebooks.Errorf(notebooks.EInvalid, "result %q cannot be sorted, charted or downloaded", resultID)
	}
	return v, id, nil
}

// resultKernel finds the kernel holding a table output of one of this notebook's latest runs,
// restoring a result kept from before a restart into a kernel on first use.
func (ss *session) resultKernel(ctx context.Context, resultID string) (Kernel, string, error) {
	ss.mu.Lock()
	var holder *run
	for _, r := range ss.runs {
		for _, o := range r.view.Outputs {
			if o.ResultID != "" && o.ResultID == resultID {
				holder = r
			}
		}
	}
	if holder == nil {
		ss.mu.Unlock()
		return nil, "", noResult(resultID)
	}
	lang, kept, id := holder.lang, holder.kept, resultID
	if holder.keptID != "" {
		id = holder.keptID
	}
	ss.mu.Unlock()
	if kept == "" || id != resultID {
		ss.mu.Lock()
		k := ss.kernels[lang]
		ss.mu.Unlock()
		if k == nil {
			return nil, "", noResult(resultID)
		}
		return k, id, nil
	}
	// A result kept on disk: bring it back into the kernel.
	k, err := ss.kernel(ctx, lang)
	if err != nil {
		return nil, "", err
	}
	keeper, ok := k.(ResultKeeper)
	if !ok {
		return nil, "", noResult(resultID)
	}
	ss.restoring.Lock()
	defer ss.restoring.Unlock()
	ss.mu.Lock()
	done := holder.keptID
	ss.mu.Unlock()
	if done != "" {
		return k, done, nil
	}
	out, err := keeper.Restore(ctx, kept)
	if err != nil {
		return nil, "", fmt.Errorf("restore result %s: %w", resultID, err)
	}
	ss.mu.Lock()
	if ss.runs[holder.pid] != holder {
		// A new run replaced the kept one while it was being restored: nothing holds it now.
		ss.mu.Unlock()
		if d, ok := k.(Dropper); ok {
			d.Drop(out.ResultID)
		}
		return nil, "", noResult(resultID)
	}
	holder.keptID = out.ResultID
	ss.mu.Unlock()
	return k, out.ResultID, nil
}

// tableOutput is the paragraph's latest table output.
func (ss *session) tableOutput(pid string) (notebooks.Output, error) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if run := ss.runs[pid]; run != nil {
		for i := len(run.view.Outputs) - 1; i >= 0; i-- {
			if o := run.view.Outputs[i]; o.Type == notebooks.OutputTable && o.ResultID != "" {
				return o, nil
			}
		}
	}
	return notebooks.Output{}, notebooks.Errorf(notebooks.ENotFound, "paragraph %q has no table result", pid)
}

func noResult(resultID string) error {
	return notebooks.Errorf(notebooks.ENotFound, "no result %q in this notebook (it may have been replaced by a newer run)", resultID)
}

// event is a message pushed to clients; see docs/protocol.md.
type event struct {
	Type      string                `json:"type"`
	Notebook  *notebookView         `json:"notebook,omitempty"`
	Paragraph *paragraphView        `json:"paragraph,omitempty"`
	ID        string                `json:"id,omitempty"`
	Index     *int                  `json:"index,omitempty"`
	Name      string                `json:"name,omitempty"`
	RunID     int64                 `json:"runId,omitempty"`
	Status    string                `json:"status,omitempty"`
	StartedAt *time.Time            `json:"startedAt,omitempty"`
	ElapsedMs *int64                `json:"elapsedMs,omitempty"`
	Error     *notebooks.Error      `json:"error,omitempty"`
	Output    *notebooks.Output     `json:"output,omitempty"`
	Stats     *notebooks.QueryStats `json:"stats,omitempty"`
	Progress  *notebooks.Progress   `json:"progress,omitempty"`
	Reason    string                `json:"reason,omitempty"`
	Lang      notebooks.Lang        `json:"lang,omitempty"`
}

func (ss *session) broadcastLocked(e event) {
	if len(ss.clients) == 0 {
		return
	}
	data, err := json.Marshal(e)
	if err != nil {
		ss.srv.log.Error("marshal event", slog.Any("err", err))
		return
	}
	for c := range ss.clients {
		if !c.send(data) {
			// A client that cannot keep up is dropped; it reconnects and gets a snapshot.
			delete(ss.clients, c)
			c.close()
		}
	}
}

func ptr[T any](v T) *T { return &v }
