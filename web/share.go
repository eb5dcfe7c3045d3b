package web

import (
	"fmt"
	"time"

	"github.com/a-h/templ"
)

// ShareData is what the page of a share link shows. It holds only what the link grants.
type ShareData struct {
	Title string
	Token string
	// Embed drops the header and footer, for an iframe.
	Embed bool
	Live  bool
	// MaxAge is how long a live link reuses a result ("5m0s").
	MaxAge string
	AsOf   time.Time
	// Chart is {chart, pivot} for web/src/share.ts; nil when the link shares a table.
	Chart any
	// ImageURL and PageURL are absolute, for Open Graph.
	ImageURL, PageURL string
	Columns           []string
	Rows              [][]string
	// RowCount is the rows of the whole result, KeptRows those the link keeps.
	RowCount int64
	KeptRows int
	CSVURL   string
}

func (d ShareData) asOf() string { return d.AsOf.UTC().Format("2006-01-02 15:04:05 UTC") }

func (d ShareData) freshness() string {
	if d.Live {
		return "live, refreshed at most every " + shortDuration(d.MaxAge)
	}
	return "snapshot"
}

func shortDuration(s string) string {
	d, err := time.ParseDuration(s)
	if err != nil {
		return s
	}
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%d h", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%d min", d/time.Minute)
	}
	return fmt.Sprintf("%d s", d/time.Second)
}

func (d ShareData) rowsNote() string {
	switch {
	case int64(len(d.Rows)) >= d.RowCount:
		return fmt.Sprintf("%d rows", d.RowCount)
	case d.KeptRows < len(d.Rows) || int64(d.KeptRows) >= d.RowCount:
		return fmt.Sprintf("the first %d of %d rows", len(d.Rows), d.RowCount)
	}
	return fmt.Sprintf("the first %d of %d rows (the link keeps the first %d)", len(d.Rows), d.RowCount, d.KeptRows)
}

func (d ShareData) csvNote() string {
	if int64(d.KeptRows) < d.RowCount {
		return fmt.Sprintf("Download CSV (first %d rows)", d.KeptRows)
	}
	return "Download CSV"
}

func safe(u string) templ.SafeURL { return templ.SafeURL(u) }

// ShareItem is one row of the Shares page.
type ShareItem struct {
	Token, URL, Title, Mode, State, Notebook, Paragraph string
	Views                                               int64
	Created                                             time.Time
	LastAccess, Expires                                 *time.Time
}

func timeOrDash(t *time.Time) string {
	if t == nil {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func expiresValue(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04")
}
