package server

import (
	"context"

	"github.com/lakebook/lakebook/notebooks"
)

// complete answers a completion request for lang. pos and the answer's From are UTF-16 offsets,
// as the browser's editor counts; kernels work in bytes.
func (ss *session) complete(ctx context.Context, lang notebooks.Lang, text string, pos int) (notebooks.Completion, error) {
	empty := notebooks.Completion{From: pos, Items: []notebooks.CompletionItem{}}
	if !lang.Valid() {
		return empty, notebooks.Errorf(notebooks.EInvalid, "unknown language %q (want sql, go or md)", lang)
	}
	if lang == notebooks.Markdown {
		return empty, nil
	}
	k, err := ss.kernel(ctx, lang)
	if err != nil {
		return empty, err
	}
	c, ok := k.(Completer)
	if !ok {
		return empty, nil
	}
	bpos := byteOffset(text, pos)
	res, err := c.Complete(ctx, text, bpos)
	if err != nil {
		return empty, err
	}
	res.From = utf16Offset(text, res.From)
	if res.Items == nil {
		res.Items = []notebooks.CompletionItem{}
	}
	if len(res.Items) > maxCompletions {
		res.Items = res.Items[:maxCompletions]
	}
	return res, nil
}

// maxCompletions bounds an answer: the editor filters as the user types on.
const maxCompletions = 500

// byteOffset converts a UTF-16 offset into s to a byte offset.
func byteOffset(s string, u16 int) int {
	n := 0
	for i, r := range s {
		if n >= u16 {
			return i
		}
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return len(s)
}

// utf16Offset converts a byte offset into s to a UTF-16 offset.
func utf16Offset(s string, b int) int {
	n := 0
	for i, r := range s {
		if i >= b {
			break
		}
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}
