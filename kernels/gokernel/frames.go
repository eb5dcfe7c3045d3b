package gokernel

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// maxPayload bounds the payload of one message the child reads (the parent bounds what it
// sends with Options.MaxTableBytes).
const maxPayload = 4 << 30

// errBadLine is a protocol line that is not JSON; the reader can go on with the next one.
var errBadLine = errors.New("bad protocol line")

// frameReader reads protocol messages: a JSON line, then the payload its size announces. A
// payload over limit is read and dropped, never held: the message comes with oversize set.
type frameReader struct {
	r     *bufio.Reader
	limit int64
}

func newFrameReader(r io.Reader, limit int64) *frameReader {
	return &frameReader{r: bufio.NewReaderSize(r, 64<<10), limit: limit}
}

// next returns the next message. errBadLine is recoverable; any other error ends the stream.
func (f *frameReader) next() (message, error) {
	var line []byte
	for {
		chunk, err := f.r.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > maxMessage {
			return message{}, fmt.Errorf("protocol line longer than %d bytes", maxMessage)
		}
		if err == nil {
			break
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return message{}, err
		}
	}
	var m message
	if err := json.Unmarshal(line, &m); err != nil {
		return message{}, errBadLine
	}
	if m.Size < 0 {
		return message{}, fmt.Errorf("payload of %d bytes announced", m.Size)
	}
	if m.Size > f.limit {
		if _, err := io.CopyN(io.Discard, f.r, m.Size); err != nil {
			return message{}, fmt.Errorf("payload: %w", err)
		}
		m.oversize = true
		return m, nil
	}
	if m.Size > 0 {
		m.payload = make([]byte, m.Size)
		if _, err := io.ReadFull(f.r, m.payload); err != nil {
			return message{}, fmt.Errorf("payload: %w", err)
		}
	}
	return m, nil
}

// encodeFrame returns m's line; the caller writes m.payload after it.
func encodeFrame(m message) ([]byte, error) {
	m.Size = int64(len(m.payload))
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
