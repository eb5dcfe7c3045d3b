package gokernel

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// maxPayload bounds the payload of one message: a table bigger than this is refused before it
// is sent (see Options.MaxTableBytes).
const maxPayload = 4 << 30

// errBadLine is a protocol line that is not JSON; the reader can go on with the next one.
var errBadLine = errors.New("bad protocol line")

// frameReader reads protocol messages: a JSON line, then the payload its size announces.
type frameReader struct{ r *bufio.Reader }

func newFrameReader(r io.Reader) *frameReader {
	return &frameReader{r: bufio.NewReaderSize(r, 64<<10)}
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
	if m.Size < 0 || m.Size > maxPayload {
		return message{}, fmt.Errorf("payload of %d bytes announced", m.Size)
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
