package gokernel

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

func TestFrames(t *testing.T) {
	var stream bytes.Buffer
	for _, m := range []message{
		{Type: msgQuery, Req: 1, Code: "select 1"},
		{Type: msgRegister, Req: 2, Text: "t", payload: []byte("0123456789")},
		{Type: msgShow, Req: 3, payload: bytes.Repeat([]byte("x"), 100)}, // over the reader's limit
		{Type: msgReply, Req: 4, payload: []byte("\n{not a line}\n")},
	} {
		b, err := encodeFrame(m)
		if err != nil {
			t.Fatal(err)
		}
		stream.Write(b)
		stream.Write(m.payload)
	}
	stream.WriteString("garbage\n")
	stream.WriteString(`{"type":"reply","req":5,"size":10}` + "\nshort")
	fr := newFrameReader(&stream, 50)
	want := []string{"query 1 0 false", "register 2 10 false", "show 3 0 true", "reply 4 14 false"}
	for _, w := range want {
		m, err := fr.next()
		if err != nil {
			t.Fatalf("want %s: %v", w, err)
		}
		if got := fmt.Sprintf("%s %d %d %v", m.Type, m.Req, len(m.payload), m.oversize); got != w {
			t.Errorf("got %s, want %s", got, w)
		}
	}
	if _, err := fr.next(); !errors.Is(err, errBadLine) {
		t.Errorf("garbage: %v", err)
	}
	if _, err := fr.next(); err == nil || errors.Is(err, errBadLine) {
		t.Errorf("a short payload: %v, want the stream's end", err)
	}
}
