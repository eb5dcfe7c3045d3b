package server

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/a-h/templ"

	"github.com/lakebook/lakebook/notebooks"
	"github.com/lakebook/lakebook/store/shares"
	"github.com/lakebook/lakebook/web"
)

// Share links: POST /api/shares makes a link /s/TOKEN to one chart (or table) of one
// paragraph; whoever has the link sees that chart and nothing else. This file is the API the
// notebook's owner uses; share_view.go serves the links.

// ShareStore keeps share links; store/shares implements it.
type ShareStore interface {
	Create(l shares.Link) (shares.Link, error)
	Get(token string) (shares.Link, error)
	List() []shares.Link
	SetExpiry(token string, expires *time.Time) (shares.Link, error)
	Revoke(token string) (shares.Link, error)
	Remove(token string) error
	Viewed(token string, t time.Time)
	Queried(token string)
	Flush() error
	// DataDir is the folder a snapshot's frozen data is written to.
	DataDir(token string) string
}

var _ ShareStore = (*shares.Store)(nil)

// settingChartID names the paragraph setting that keeps a chart's id across edits.
const settingChartID = "chartId"

const (
	defaultMaxAge = 5 * time.Minute
	maxMaxAge     = 24 * time.Hour
	maxEmbeds     = 20
)

// shareRequest is the body of POST /api/shares.
type shareRequest struct {
	Notebook  string `json:"notebook"`
	Paragraph string `json:"paragraph"`
	Mode      string `json:"mode"`
	// MaxAge is how many seconds a live link reuses a result.
	MaxAge       *int       `json:"maxAge"`
	Expires      *time.Time `json:"expires"`
	Table        bool       `json:"table"`
	CSV          bool       `json:"csv"`
	EmbedOrigins []string   `json:"embedOrigins"`
	Title        string     `json:"title"`
}

// shareView is a link as the API shows it.
type shareView struct {
	shares.Link
	URL   string `json:"url"`
	State string `json:"state"` // active, expired, revoked
}

func viewOfLink(l shares.Link, now time.Time) shareView {
	state := l.Gone(now)
	if state == "" {
		state = "active"
	}
	return shareView{Link: l, URL: "/s/" + l.Token, State: state}
}

func (s *Server) shareStore() (ShareStore, error) {
	if s.opts.Shares == nil {
		return nil, notebooks.Errorf(ENotImplemented, "this server keeps no share links")
	}
	return s.opts.Shares, nil
}

// embedOrigin checks an origin allowed to frame a link. It ends up in a header, so only a
// plain scheme://host[:port] passes.
func embedOrigin(i int, o string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(o))
	bad := err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(u.Host, " ;,'\"*")
	if bad {
		return "", notebooks.Errorf(notebooks.EInvalid, "embedOrigins[%d]: %q is not an origin like https://example.com", i, o)
	}
	return u.Scheme + "://" + strings.ToLower(u.Host), nil
}

func (s *Server) handleCreateShare(w http.ResponseWriter, r *http.Request) error {
	st, err := s.shareStore()
	if err != nil {
		return err
	}
	var req shareRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	l := shares.Link{Notebook: req.Notebook, Paragraph: req.Paragraph, Mode: req.Mode, Table: req.Table, CSV: req.CSV,
		Creator: "owner", Created: time.Now().UTC()}
	switch req.Mode {
	case shares.Snapshot:
		if req.MaxAge != nil {
			return notebooks.Errorf(notebooks.EInvalid, "maxAge: only live links have one")
		}
	case shares.Live:
		age := defaultMaxAge
		if req.MaxAge != nil {
			age = time.Duration(*req.MaxAge) * time.Second
			if age < time.Second || age > maxMaxAge {
				return notebooks.Errorf(notebooks.EInvalid, "maxAge: %d is not between 1 and %d seconds", *req.MaxAge, int(maxMaxAge/time.Second))
			}
		}
		l.MaxAgeSeconds = int(age / time.Second)
	default:
		return notebooks.Errorf(notebooks.EInvalid, "mode: %q is neither snapshot nor live", req.Mode)
	}
	if req.Expires != nil {
		if !req.Expires.After(time.Now()) {
			return notebooks.Errorf(notebooks.EInvalid, "expires: %s is in the past", req.Expires.Format(time.RFC3339))
		}
		l.Expires = ptr(req.Expires.UTC())
	}
	if len(req.EmbedOrigins) > maxEmbeds {
		return notebooks.Errorf(notebooks.EInvalid, "embedOrigins: at most %d", maxEmbeds)
	}
	for i, o := range req.EmbedOrigins {
		n, err := embedOrigin(i, o)
		if err != nil {
			return err
		}
		l.EmbedOrigins = append(l.EmbedOrigins, n)
	}
	if len(req.Title) > 200 {
		return notebooks.Errorf(notebooks.EInvalid, "title: at most 200 characters")
	}

	ss, err := s.session(r.Context(), req.Notebook)
	if err != nil {
		return err
	}
	p, name, err := ss.shareable(r.Context(), req.Paragraph)
	if err != nil {
		return err
	}
	if req.Mode == shares.Live && p.Lang != notebooks.SQL {
		return notebooks.Errorf(notebooks.EInvalid, "a %s paragraph cannot be shared live: lakebook re-runs only SQL; share a snapshot", p.Lang)
	}
	// The table the paragraph shows now: a snapshot freezes it, and a Go paragraph's chart
	// (nb.Chart) travels on it.
	table, err := ss.tableOutput(p.ID)
	if err != nil && req.Mode == shares.Snapshot {
		return notebooks.Errorf(notebooks.EInvalid, "paragraph %q has no table or chart to share: run it first", p.ID)
	}
	chart, err := chartOf(p, table)
	if err != nil {
		return err
	}
	if chart == nil {
		l.Table = true // a table output is shared as its table
	}
	l.ChartID = p.Settings[settingChartID]
	l.Title = cmp.Or(strings.TrimSpace(req.Title), p.Title, name)
	if req.Mode == shares.Live {
		if l.Forms, err = notebooks.FormValues(p.Settings); err != nil {
			return err
		}
	}

	l, err = st.Create(l)
	if err != nil {
		return err
	}
	// The link works from its first view: a snapshot freezes now, a live link runs once,
	// which also tells the sharer at once when the query fails.
	if req.Mode == shares.Snapshot {
		err = s.freeze(r.Context(), ss, table, chart, l)
	} else {
		_, err = s.views.live(r.Context(), s, l)
	}
	if err != nil {
		st.Remove(l.Token)
		return err
	}
	writeJSON(w, http.StatusCreated, viewOfLink(l, time.Now()))
	return nil
}

// chartIDAttempts bounds how often shareable tries to give a paragraph its chart id while
// others keep editing it.
const chartIDAttempts = 5

// beforeChartID, when set (by tests), runs between reading a paragraph and giving it its chart
// id: where another client's edit can land.
var beforeChartID atomic.Pointer[func(pid string)]

// shareable returns a copy of the paragraph to share, giving it a chart id first if it has
// none, and the notebook's name. The id is added to the settings as they were read, by an
// edit conditional on the paragraph's rev: a settings change another client makes meanwhile
// (the chart type it switched to) is never overwritten; shareable reads again and retries.
func (ss *session) shareable(ctx context.Context, pid string) (*notebooks.Paragraph, string, error) {
	for range chartIDAttempts {
		ss.mu.Lock()
		p, _, err := ss.paragraphLocked(pid)
		if err != nil {
			ss.mu.Unlock()
			return nil, "", err
		}
		p, rev, name := p.Clone(), ss.revs[pid], ss.nb.Name
		ss.mu.Unlock()
		if p.Lang == notebooks.Markdown {
			return nil, "", notebooks.Errorf(notebooks.EInvalid, "paragraph %q is Markdown: only chart and table outputs can be shared", pid)
		}
		if p.Settings[settingChartID] != "" {
			return p, name, nil
		}
		if f := beforeChartID.Load(); f != nil {
			(*f)(pid)
		}
		settings := maps.Clone(p.Settings)
		if settings == nil {
			settings = map[string]string{}
		}
		settings[settingChartID] = NewToken()[:12]
		v, err := ss.edit(ctx, pid, paragraphEdit{Rev: &rev, Settings: &settings})
		var conflict *conflictError
		if errors.As(err, &conflict) {
			continue
		}
		if err != nil {
			return nil, "", err
		}
		return v.Paragraph, name, nil
	}
	return nil, "", notebooks.Errorf(notebooks.EConflict, "paragraph %q kept changing while it was being shared; share it again", pid)
}

// chartOf is the chart the paragraph shows, nil when it shows its table. It decides as the
// notebook page does (web/src/result.ts): a view saved in the settings wins; without one, the
// chart the code asked for on its table output (a Go paragraph's nb.Chart) is shown.
func chartOf(p *notebooks.Paragraph, table notebooks.Output) (*notebooks.Chart, error) {
	view, saved := p.Settings["view"]
	if !saved {
		return table.Chart, nil
	}
	raw := p.Settings["chart"]
	if raw == "" || view != "chart" {
		return nil, nil
	}
	var c notebooks.Chart
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		return nil, notebooks.Errorf(notebooks.EInvalid, "paragraph %q: settings.chart is not a chart: %v", p.ID, err)
	}
	return &c, nil
}

func (s *Server) handleListShares(w http.ResponseWriter, r *http.Request) error {
	st, err := s.shareStore()
	if err != nil {
		return err
	}
	now := time.Now()
	list := st.List()
	out := make([]shareView, len(list))
	for i, l := range list {
		out[i] = viewOfLink(l, now)
	}
	writeJSON(w, http.StatusOK, map[string]any{"shares": out})
	return nil
}

// handleEditShare changes a link's expiry: PATCH {"expires": "RFC 3339" | null}.
func (s *Server) handleEditShare(w http.ResponseWriter, r *http.Request) error {
	st, err := s.shareStore()
	if err != nil {
		return err
	}
	var body map[string]json.RawMessage
	if err := s.decodeJSON(w, r, &body); err != nil {
		return err
	}
	raw, ok := body["expires"]
	if !ok || len(body) != 1 {
		return notebooks.Errorf(notebooks.EInvalid, "the body must be {\"expires\": time or null}: only the expiry of a link changes")
	}
	var exp *time.Time
	if err := json.Unmarshal(raw, &exp); err != nil {
		return notebooks.Errorf(notebooks.EInvalid, "expires: not an RFC 3339 time or null")
	}
	if exp != nil {
		if !exp.After(time.Now()) {
			return notebooks.Errorf(notebooks.EInvalid, "expires: %s is in the past; revoke the link to end it now", exp.Format(time.RFC3339))
		}
		exp = ptr(exp.UTC())
	}
	l, err := st.SetExpiry(r.PathValue("token"), exp)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewOfLink(l, time.Now()))
	return nil
}

func (s *Server) handleRevokeShare(w http.ResponseWriter, r *http.Request) error {
	st, err := s.shareStore()
	if err != nil {
		return err
	}
	tok := r.PathValue("token")
	if _, err := st.Revoke(tok); err != nil {
		return err
	}
	s.views.forget(tok)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// sharesPage lists the share links for their owner.
func (s *Server) sharesPage(w http.ResponseWriter, r *http.Request) (templ.Component, error) {
	st, err := s.shareStore()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	var items []web.ShareItem
	for _, l := range st.List() {
		v := viewOfLink(l, now)
		items = append(items, web.ShareItem{Token: l.Token, URL: v.URL, Title: l.Title, Mode: l.Mode, State: v.State,
			Notebook: l.Notebook, Paragraph: l.Paragraph, Views: l.Views, Created: l.Created, LastAccess: l.LastAccess, Expires: l.Expires})
	}
	return web.SharesPage(items), nil
}
