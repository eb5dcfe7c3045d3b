// Package mdkernel renders Markdown paragraphs to sanitized HTML.
package mdkernel

import (
	"bytes"
	"context"
	"fmt"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"

	"github.com/lakebook/lakebook/notebooks"
)

// Kernel renders Markdown. It holds no per-notebook state, so one serves every notebook.
type Kernel struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

// New returns a Markdown kernel.
func New() *Kernel {
	// Raw HTML in Markdown is allowed through goldmark and then sanitized: people paste <b> and
	// <details>, and the policy, not the parser, is what keeps scripts out (Zeppelin CVE-2021-27578).
	p := bluemonday.UGCPolicy()
	p.AllowElements("details", "summary", "kbd", "sup", "sub", "mark")
	p.AllowAttrs("class").Matching(bluemonday.SpaceSeparatedTokens).OnElements("code", "span", "div")
	return &Kernel{
		md:     goldmark.New(goldmark.WithExtensions(extension.GFM), goldmark.WithRendererOptions(html.WithUnsafe())),
		policy: p,
	}
}

// Render returns the sanitized HTML for a Markdown text.
func (k *Kernel) Render(text string) (string, error) {
	var buf bytes.Buffer
	if err := k.md.Convert([]byte(text), &buf); err != nil {
		return "", fmt.Errorf("markdown: %w", err)
	}
	return k.policy.Sanitize(buf.String()), nil
}

// Sanitize makes HTML from elsewhere (a Go paragraph's nb.HTML) as safe as rendered Markdown.
func (k *Kernel) Sanitize(html string) string { return k.policy.Sanitize(html) }

// Run renders code and emits one html output.
func (k *Kernel) Run(ctx context.Context, code string, emit func(notebooks.Output)) error {
	out, err := k.Render(code)
	if err != nil {
		return notebooks.Errorf(notebooks.ERun, "%v", err)
	}
	emit(notebooks.HTMLOutput(out))
	return nil
}

// Close does nothing: the kernel holds no resources.
func (k *Kernel) Close() error { return nil }
