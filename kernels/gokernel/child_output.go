package gokernel

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// Output coalescing: small writes are gathered for up to flushDelay or flushSize bytes, so a
// loop printing one character at a time does not cost one protocol message per character.
const (
	flushDelay = 20 * time.Millisecond
	flushSize  = 8 << 10
	// maxOutputMessage bounds one output message; longer output is split.
	maxOutputMessage = 64 << 10
)

// events writes protocol messages to the parent. It is safe for concurrent use.
type events struct {
	mu sync.Mutex
	f  *os.File
}

func (e *events) send(m message) {
	b, err := encodeFrame(m)
	if err != nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, err := e.f.Write(b); err != nil {
		// The parent is gone; nobody is left to serve.
		os.Exit(1)
	}
	if _, err := e.f.Write(m.payload); err != nil {
		os.Exit(1)
	}
}

// outItem is a piece of output, or (mark != 0) the sign that a pump has read a flush marker.
type outItem struct {
	stream string
	data   []byte
	mark   uint64
}

// outbox gathers what the pumps read from fds 1 and 2 and sends it as output messages.
// Because every byte passes through one goroutine, output of both streams keeps the order in
// which the pumps read it, and sync can tell when everything written before it has been sent.
type outbox struct {
	ev     *events
	items  chan outItem
	prefix []byte     // start of a flush marker, unique to this process
	files  []*os.File // the write ends of the pumped pipes, for sync's markers

	mu      sync.Mutex
	seq     uint64
	waiters map[uint64]chan struct{}
}

func newOutbox(ev *events) *outbox {
	var r [8]byte
	_, _ = rand.Read(r[:])
	o := &outbox{
		ev:      ev,
		items:   make(chan outItem, 64),
		prefix:  []byte("\x00gokernel-flush:" + hex.EncodeToString(r[:]) + ":"),
		waiters: map[uint64]chan struct{}{},
	}
	go o.loop()
	return o
}

func (o *outbox) loop() {
	var (
		pending []byte
		stream  string
		timer   = time.NewTimer(time.Hour)
		armed   bool
	)
	timer.Stop()
	flush := func(all bool) {
		n := len(pending)
		if !all {
			n = completeUTF8(pending)
		}
		for sent := 0; sent < n; {
			end := min(n, sent+maxOutputMessage)
			if end < n {
				end = sent + completeUTF8(pending[sent:end])
				if end == sent {
					end = min(n, sent+maxOutputMessage)
				}
			}
			o.ev.send(message{Type: msgOutput, Stream: stream, Text: string(pending[sent:end])})
			sent = end
		}
		pending = append(pending[:0], pending[n:]...)
	}
	for {
		select {
		case it := <-o.items:
			if it.mark != 0 {
				flush(true)
				o.ack(it.mark)
				continue
			}
			if it.stream != stream && len(pending) > 0 {
				flush(true)
			}
			stream = it.stream
			pending = append(pending, it.data...)
			if len(pending) >= flushSize {
				flush(false)
			}
			if len(pending) > 0 && !armed {
				timer.Reset(flushDelay)
				armed = true
			}
		case <-timer.C:
			armed = false
			flush(false)
			if len(pending) > 0 {
				timer.Reset(flushDelay)
				armed = true
			}
		}
	}
}

// completeUTF8 returns the length of b without a trailing incomplete UTF-8 sequence, so a
// character split between two reads is not sent as two invalid halves.
func completeUTF8(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if utf8.FullRune(b[i:]) {
				return len(b)
			}
			return i
		}
	}
	return len(b)
}

func (o *outbox) ack(seq uint64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if ch, ok := o.waiters[seq]; ok {
		ch <- struct{}{}
	}
}

// sync returns once everything written to fds 1 and 2 before the call has been sent to the
// parent. It writes a marker into both pipes and waits for the pumps to read it: a pipe keeps
// order, so whatever the marker follows has been read by then.
func (o *outbox) sync(timeout time.Duration) {
	o.mu.Lock()
	o.seq++
	seq := o.seq
	ch := make(chan struct{}, 2)
	o.waiters[seq] = ch
	o.mu.Unlock()
	defer func() {
		o.mu.Lock()
		delete(o.waiters, seq)
		o.mu.Unlock()
	}()

	marker := append(append([]byte(nil), o.prefix...), strconv.FormatUint(seq, 10)+"\x00"...)
	want := 0
	for _, f := range o.files {
		// Writes up to PIPE_BUF bytes are atomic, so a marker is never interleaved with
		// another goroutine's output. A failed write (user code closed the fd) has nothing to
		// wait for.
		if _, err := f.Write(marker); err == nil {
			want++
		}
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	for ; want > 0; want-- {
		select {
		case <-ch:
		case <-t.C:
			return
		}
	}
}

// pump reads one redirected fd until it fails and passes what it reads to the outbox, cutting
// out flush markers.
func (o *outbox) pump(stream string, r *os.File) {
	buf := make([]byte, 0, 64<<10)
	chunk := make([]byte, 32<<10)
	emit := func(b []byte) {
		if len(b) > 0 {
			o.items <- outItem{stream: stream, data: append([]byte(nil), b...)}
		}
	}
	for {
		n, err := r.Read(chunk)
		buf = append(buf, chunk[:n]...)
		for {
			i := bytes.Index(buf, o.prefix)
			if i < 0 {
				// Hold back a tail that may be the start of a marker.
				keep := partialPrefix(buf, o.prefix)
				emit(buf[:len(buf)-keep])
				buf = append(buf[:0], buf[len(buf)-keep:]...)
				break
			}
			emit(buf[:i])
			buf = append(buf[:0], buf[i:]...)
			end := bytes.IndexByte(buf[len(o.prefix):], 0)
			if end < 0 {
				if len(buf) > len(o.prefix)+20 {
					// Not a marker after all.
					emit(buf[:1])
					buf = append(buf[:0], buf[1:]...)
					continue
				}
				break
			}
			seq, perr := strconv.ParseUint(string(buf[len(o.prefix):len(o.prefix)+end]), 10, 64)
			buf = append(buf[:0], buf[len(o.prefix)+end+1:]...)
			if perr == nil && seq != 0 {
				o.items <- outItem{stream: stream, mark: seq}
			}
		}
		if err != nil {
			emit(buf)
			return
		}
	}
}

// partialPrefix returns the length of the longest suffix of b that is a proper prefix of p.
func partialPrefix(b, p []byte) int {
	if bytes.IndexByte(b[max(0, len(b)-len(p)):], p[0]) < 0 {
		return 0
	}
	for k := min(len(b), len(p)-1); k > 0; k-- {
		if bytes.Equal(b[len(b)-k:], p[:k]) {
			return k
		}
	}
	return 0
}
