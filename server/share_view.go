package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"golang.org/x/sync/singleflight"
	"golang.org/x/time/rate"

	"github.com/lakebook/lakebook/notebooks"
	"github.com/lakebook/lakebook/store/atomicfile"
	"github.com/lakebook/lakebook/store/shares"
	"github.com/lakebook/lakebook/web"
)

// /s/TOKEN serves one shared chart to anyone holding the link, without the session cookie or
// the token: the page, the chart as PNG and SVG, and (if the sharer allowed it) its rows as
// CSV. Nothing else of the server answers to a share token.

const (
	// maxShareRows bounds the rows a link keeps for its table and CSV.
	maxShareRows = 10_000
	// pageShareRows is how many of them the page shows.
	pageShareRows = 200
	// maxCachedShares bounds the links whose data is held in memory.
	maxCachedShares = 1024
	// defaultShareRate is how many requests a second one link answers (twice that in a burst).
	defaultShareRate = 100
)

// shareData is what a link shows, frozen (snapshot) or from the last live run.
type shareData struct {
	Title    string                 `json:"title"`
	Chart    *notebooks.Chart       `json:"chart,omitempty"`
	Pivot    *notebooks.PivotResult `json:"pivot,omitempty"`
	Columns  []notebooks.Column     `json:"columns,omitempty"`
	RowCount int64                  `json:"rowCount"`
	AsOf     time.Time              `json:"asOf"`
	// Rows are the first maxShareRows rows as text; a snapshot keeps them in rows.parquet.
	Rows [][]string `json:"-"`

	imgMu  sync.Mutex
	images map[string][]byte
}

// shareViews holds the links' data in memory and makes concurrent viewers of a live link
// share one query.
type shareViews struct {
	mu       sync.Mutex
	data     map[string]*shareData
	limiters map[string]*rate.Limiter
	group    singleflight.Group
}

func (v *shareViews) cached(tok string) *shareData {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.data[tok]
}

func (v *shareViews) put(tok string, d *shareData) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.data == nil {
		v.data = map[string]*shareData{}
	}
	if _, ok := v.data[tok]; !ok && len(v.data) >= maxCachedShares {
		for k := range v.data {
			delete(v.data, k)
			break
		}
	}
	v.data[tok] = d
}

func (v *shareViews) forget(tok string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	delete(v.data, tok)
	delete(v.limiters, tok)
}

func (v *shareViews) allow(tok string, perSecond float64) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.limiters == nil {
		v.limiters = map[string]*rate.Limiter{}
	}
	l := v.limiters[tok]
	if l == nil {
		l = rate.NewLimiter(rate.Limit(perSecond), int(2*perSecond)+1)
		v.limiters[tok] = l
	}
	return l.Allow()
}

// live returns a live link's data, running its query when the cached result is older than
// the link's max age. Viewers never wait for a refresh when there is a result to show: they
// get the last one while one run replaces it (stale-while-revalidate), so the page stays fast
// at the turn of each window. Concurrent callers share one run.
func (v *shareViews) live(ctx context.Context, s *Server, l shares.Link) (*shareData, error) {
	maxAge := time.Duration(l.MaxAgeSeconds) * time.Second
	d := v.cached(l.Token)
	if d != nil && time.Since(d.AsOf) < maxAge {
		return d, nil
	}
	// The run serves every viewer: the one that started it leaving must not cancel it.
	ctx = context.WithoutCancel(ctx)
	if d != nil {
		go v.refresh(ctx, s, l, maxAge)
		return d, nil
	}
	return v.refresh(ctx, s, l, maxAge)
}

func (v *shareViews) refresh(ctx context.Context, s *Server, l shares.Link, maxAge time.Duration) (*shareData, error) {
	return v.load(l.Token, func() (*shareData, error) {
		if d := v.cached(l.Token); d != nil && time.Since(d.AsOf) < maxAge {
			return d, nil
		}
		ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
		defer cancel()
		d, err := s.runLive(ctx, l)
		if err != nil {
			var gone *goneError
			if errors.As(err, &gone) {
				v.forget(l.Token) // the next viewer learns the chart is gone
			}
			s.log.Warn("live share", slog.Any("err", err))
		}
		return d, err
	})
}

// snapshot returns a snapshot link's frozen data, read from disk on first use.
func (v *shareViews) snapshot(s *Server, l shares.Link) (*shareData, error) {
	if d := v.cached(l.Token); d != nil {
		return d, nil
	}
	return v.load(l.Token, func() (*shareData, error) {
		return loadSnapshot(s.opts.Shares.DataDir(l.Token), l.Table || l.CSV)
	})
}

// load runs get once for all concurrent callers of a link and caches what it returns.
func (v *shareViews) load(tok string, get func() (*shareData, error)) (*shareData, error) {
	res, err, _ := v.group.Do(tok, func() (any, error) {
		d, err := get()
		if err != nil {
			return nil, err
		}
		v.put(tok, d)
		return d, nil
	})
	if err != nil {
		return nil, err
	}
	return res.(*shareData), nil
}

// goneError is a link whose chart no longer exists (its notebook or paragraph was deleted).
type goneError struct{ why string }

func (e *goneError) Error() string { return e.why }

// runLive runs a live link's paragraph as it is now, with the link's locked form values, on
// a kernel of its own, and keeps the chart's points and first rows.
func (s *Server) runLive(ctx context.Context, l shares.Link) (*shareData, error) {
	ss, err := s.session(ctx, l.Notebook)
	if notebooks.ErrorCode(err) == notebooks.ENotFound {
		return nil, &goneError{"the notebook of this chart was deleted"}
	} else if err != nil {
		return nil, err
	}
	p := ss.chartParagraph(l.ChartID, l.Paragraph)
	if p == nil || p.Lang != notebooks.SQL {
		return nil, &goneError{"the paragraph of this chart was deleted"}
	}
	sql, err := notebooks.SubstituteSQL(p.Text, l.Forms)
	if err != nil {
		return nil, err
	}
	start := time.Now().UTC()
	k, err := s.opts.NewKernel(ctx, notebooks.SQL, l.Notebook)
	if err != nil {
		return nil, err
	}
	defer k.Close()
	var table notebooks.Output
	s.opts.Shares.Queried(l.Token)
	err = k.Run(ctx, sql, func(o notebooks.Output) {
		if o.Type == notebooks.OutputTable && o.ResultID != "" {
			table = o
		}
	})
	if err != nil {
		return nil, err
	}
	rv, ok := k.(ResultViewer)
	if table.ResultID == "" || !ok {
		return nil, notebooks.Errorf(notebooks.EInvalid, "the shared query returned no table")
	}
	chart, err := chartOf(p, table)
	if err != nil {
		return nil, err
	}
	d, _, err := collectShare(ctx, rv, table, chart, l.Table || l.CSV)
	if err != nil {
		return nil, err
	}
	d.Title, d.AsOf = l.Title, start
	return d, nil
}

// chartParagraph finds the paragraph holding chart id, or the paragraph pid when no
// paragraph has the id.
func (ss *session) chartParagraph(chartID, pid string) *notebooks.Paragraph {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for _, p := range ss.nb.Paragraphs {
		if chartID != "" && p.Settings[settingChartID] == chartID {
			return p.Clone()
		}
	}
	if p, _ := ss.nb.Paragraph(pid); p != nil && (chartID == "" || p.Settings[settingChartID] == "") {
		return p.Clone()
	}
	return nil
}

// collectShare computes what a link shows from a result: the chart's points over the whole
// result and, with rows, its first maxShareRows rows (also as Arrow IPC, which a snapshot
// writes as Parquet).
func collectShare(ctx context.Context, v ResultViewer, table notebooks.Output, chart *notebooks.Chart, rows bool) (*shareData, []byte, error) {
	d := &shareData{Chart: chart, Columns: table.Columns}
	if table.RowCount != nil {
		d.RowCount = *table.RowCount
	}
	if chart != nil {
		if err := chart.Validate(table.Columns); err != nil {
			return nil, nil, err
		}
		p, err := v.Pivot(ctx, table.ResultID, *chart)
		if err != nil {
			return nil, nil, err
		}
		d.Pivot = p
	}
	if !rows {
		return d, nil, nil
	}
	data, _, err := v.Rows(ctx, table.ResultID, notebooks.RowsQuery{Limit: maxShareRows})
	if err != nil {
		return nil, nil, err
	}
	r, err := ipc.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, nil, fmt.Errorf("share rows: %w", err)
	}
	defer r.Release()
	if d.Rows, err = textRows(r); err != nil {
		return nil, nil, err
	}
	return d, data, nil
}

// textRows reads records as text: what the page and the CSV show.
func textRows(r array.RecordReader) ([][]string, error) {
	var out [][]string
	for r.Next() {
		rec := r.RecordBatch()
		for i := range int(rec.NumRows()) {
			row := make([]string, rec.NumCols())
			for c, col := range rec.Columns() {
				if col.IsValid(i) {
					row[c] = col.ValueStr(i)
				}
			}
			out = append(out, row)
		}
	}
	return out, r.Err()
}

// freeze writes a snapshot link's data from the paragraph's table output: data.json (title,
// chart, points) and rows.parquet.
func (s *Server) freeze(ctx context.Context, ss *session, table notebooks.Output, chart *notebooks.Chart, l shares.Link) error {
	v, id, err := ss.viewer(ctx, table.ResultID)
	if err != nil {
		return err
	}
	table.ResultID = id
	d, rowsIPC, err := collectShare(ctx, v, table, chart, l.Table || l.CSV)
	if err != nil {
		return err
	}
	d.Title, d.AsOf = l.Title, time.Now().UTC()
	dir := s.opts.Shares.DataDir(l.Token)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return notebooks.Errorf(notebooks.EStorage, "save snapshot: %v", err)
	}
	if rowsIPC != nil {
		pq, err := parquetOf(rowsIPC)
		if err != nil {
			return err
		}
		if err := atomicfile.WriteFile(filepath.Join(dir, "rows.parquet"), pq, 0o600); err != nil {
			return notebooks.Errorf(notebooks.EStorage, "save snapshot: %v", err)
		}
	}
	meta, err := json.Marshal(d)
	if err == nil {
		err = atomicfile.WriteFile(filepath.Join(dir, "data.json"), meta, 0o600)
	}
	if err != nil {
		return notebooks.Errorf(notebooks.EStorage, "save snapshot: %v", err)
	}
	s.views.put(l.Token, d)
	return nil
}

// parquetOf rewrites an Arrow IPC stream as a Parquet file.
func parquetOf(data []byte) ([]byte, error) {
	r, err := ipc.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("snapshot rows: %w", err)
	}
	defer r.Release()
	var buf bytes.Buffer
	w, err := pqarrow.NewFileWriter(r.Schema(), &buf, nil, pqarrow.DefaultWriterProps())
	if err != nil {
		return nil, fmt.Errorf("snapshot rows: %w", err)
	}
	for r.Next() {
		if err := w.WriteBuffered(r.RecordBatch()); err != nil {
			w.Close()
			return nil, fmt.Errorf("snapshot rows: %w", err)
		}
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("snapshot rows: %w", err)
	}
	return buf.Bytes(), r.Err()
}

// loadSnapshot reads what freeze wrote.
func loadSnapshot(dir string, rows bool) (*shareData, error) {
	meta, err := os.ReadFile(filepath.Join(dir, "data.json"))
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	d := &shareData{}
	if err := json.Unmarshal(meta, d); err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	if !rows {
		return d, nil
	}
	pf, err := file.OpenParquetFile(filepath.Join(dir, "rows.parquet"), false)
	if err != nil {
		return nil, fmt.Errorf("snapshot rows: %w", err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 4096}, memory.DefaultAllocator)
	if err != nil {
		return nil, fmt.Errorf("snapshot rows: %w", err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		return nil, fmt.Errorf("snapshot rows: %w", err)
	}
	defer tbl.Release()
	tr := array.NewTableReader(tbl, 4096)
	defer tr.Release()
	d.Rows, err = textRows(tr)
	return d, err
}

// shareCSP allows the page its own script and style and nothing else: no connections, no
// forms, no foreign images. frame-ancestors comes from the link's embed origins.
func shareCSP(frameAncestors string) string {
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors " + frameAncestors
}

func (s *Server) shareRoutes() {
	s.mux.HandleFunc("GET /s/{name}", s.handleShare)
	s.mux.HandleFunc("GET /shares", s.page(s.sharesPage))
}

// handleShare serves /s/TOKEN (the page; ?embed=1 for an iframe), /s/TOKEN.png, .svg and .csv.
func (s *Server) handleShare(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", shareCSP("'none'"))
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Robots-Tag", "noindex")

	tok, ext, _ := strings.Cut(r.PathValue("name"), ".")
	st := s.opts.Shares
	if st == nil || !shares.ValidToken(tok) || !(ext == "" || ext == "png" || ext == "svg" || ext == "csv") {
		s.sharePage(w, r, http.StatusNotFound, web.ShareMissing("No such link", "This link does not exist. Check that it was copied whole."))
		return
	}
	l, err := st.Get(tok)
	if err != nil {
		s.sharePage(w, r, http.StatusNotFound, web.ShareMissing("No such link", "This link does not exist. Check that it was copied whole."))
		return
	}
	now := time.Now()
	if why := l.Gone(now); why != "" {
		title, msg := "This link was revoked", "The person who shared this chart revoked the link. Ask them for a new one."
		if why == "expired" {
			title, msg = "This link has expired", "The link was shared until "+l.Expires.UTC().Format("2006-01-02 15:04 UTC")+". Ask the person who shared it for a new one."
		}
		s.sharePage(w, r, http.StatusGone, web.ShareMissing(title, msg))
		return
	}
	perSecond := s.opts.ShareRate
	if perSecond <= 0 {
		perSecond = defaultShareRate
	}
	if !s.views.allow(tok, perSecond) {
		h.Set("Retry-After", "1")
		s.sharePage(w, r, http.StatusTooManyRequests, web.ShareMissing("Too many requests", "This link is being opened very often. Try again in a moment."))
		return
	}
	var d *shareData
	if l.Mode == shares.Live {
		d, err = s.views.live(r.Context(), s, l)
	} else {
		d, err = s.views.snapshot(s, l)
	}
	if err != nil {
		var gone *goneError
		if errors.As(err, &gone) {
			s.sharePage(w, r, http.StatusGone, web.ShareMissing("This chart is gone", gone.why+"."))
			return
		}
		s.log.Warn("share", slog.String("mode", l.Mode), slog.Any("err", err))
		e := notebooks.AsError(err)
		s.sharePage(w, r, http.StatusServiceUnavailable, web.ShareMissing("This chart cannot be shown right now", e.Message))
		return
	}
	switch ext {
	case "png", "svg":
		img, err := d.image(ext)
		if err != nil {
			s.log.Warn("share image", slog.Any("err", err))
			s.sharePage(w, r, httpStatus(notebooks.ErrorCode(err)), web.ShareMissing("No picture", notebooks.AsError(err).Message))
			return
		}
		h.Set("Content-Type", map[string]string{"png": "image/png", "svg": "image/svg+xml"}[ext])
		h.Set("Cross-Origin-Resource-Policy", "cross-origin") // chat tools fetch it for previews
		w.Write(img)
	case "csv":
		if !l.CSV {
			s.sharePage(w, r, http.StatusNotFound, web.ShareMissing("No download", "The person who shared this chart did not allow downloading its data."))
			return
		}
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": fileName(d.Title) + ".csv"}))
		cw := csv.NewWriter(w)
		names := make([]string, len(d.Columns))
		for i, c := range d.Columns {
			names[i] = c.Name
		}
		cw.Write(names)
		cw.WriteAll(d.Rows)
	default:
		embed := r.URL.Query().Get("embed") == "1"
		if embed {
			h.Del("X-Frame-Options")
			fa := "'none'"
			if len(l.EmbedOrigins) > 0 {
				fa = strings.Join(l.EmbedOrigins, " ")
			}
			h.Set("Content-Security-Policy", shareCSP(fa))
		}
		if r.Method == http.MethodGet { // a HEAD (a link checker) is not a view
			st.Viewed(tok, now)
		}
		s.sharePage(w, r, http.StatusOK, web.SharePage(s.sharePageData(r, l, d, embed)))
	}
}

// fileName keeps the letters, digits, - and _ of a title, for a download's name.
func fileName(title string) string {
	var b strings.Builder
	for _, c := range title {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
			b.WriteRune(c)
		case c == ' ' && b.Len() > 0:
			b.WriteByte('-')
		}
		if b.Len() >= 60 {
			break
		}
	}
	if b.Len() == 0 {
		return "chart"
	}
	return b.String()
}

func (s *Server) sharePage(w http.ResponseWriter, r *http.Request, status int, c interface {
	Render(context.Context, io.Writer) error
}) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	c.Render(r.Context(), w)
}

func (s *Server) sharePageData(r *http.Request, l shares.Link, d *shareData, embed bool) web.ShareData {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	pd := web.ShareData{
		Title:    d.Title,
		Token:    l.Token,
		Embed:    embed,
		Live:     l.Mode == shares.Live,
		MaxAge:   (time.Duration(l.MaxAgeSeconds) * time.Second).String(),
		AsOf:     d.AsOf.UTC(),
		ImageURL: scheme + "://" + r.Host + "/s/" + l.Token + ".png",
		PageURL:  scheme + "://" + r.Host + "/s/" + l.Token,
		RowCount: d.RowCount,
	}
	if d.Chart != nil && d.Pivot != nil {
		pd.Chart = map[string]any{"chart": d.Chart, "pivot": d.Pivot}
	}
	if l.Table {
		for _, c := range d.Columns {
			pd.Columns = append(pd.Columns, c.Name)
		}
		pd.Rows = d.Rows[:min(len(d.Rows), pageShareRows)]
		pd.KeptRows = len(d.Rows)
	}
	if l.CSV {
		pd.CSVURL = "/s/" + l.Token + ".csv"
		pd.KeptRows = len(d.Rows)
	}
	return pd
}
