package server

import (
	"context"
	"net/http"
	"time"

	"github.com/lakebook/lakebook/engine/catalog"
	"github.com/lakebook/lakebook/engine/crawl"
	"github.com/lakebook/lakebook/notebooks"
)

// Catalog is the engine's table catalog (engine/catalog), as the server serves it.
type Catalog interface {
	Tables() []*catalog.Table
	Table(name string) (*catalog.Table, bool)
	Register(ctx context.Context, name, location, format string) (*catalog.Table, *crawl.Changes, error)
	Crawl(ctx context.Context, location, name string) (*catalog.Table, *crawl.Changes, error)
	Drop(name string) error
}

var _ Catalog = (*catalog.Catalog)(nil)

// tableView is a catalog table as the API shows it.
type tableView struct {
	Name          string         `json:"name"`
	Location      string         `json:"location"`
	Format        string         `json:"format"`
	Columns       []crawl.Column `json:"columns"`
	PartitionKeys []crawl.Column `json:"partitionKeys"`
	Partitions    int            `json:"partitions"`
	Files         int            `json:"files"`
	Rows          int64          `json:"rows"`
	Bytes         int64          `json:"bytes"`
	CrawledAt     time.Time      `json:"crawledAt"`
	Warnings      []string       `json:"warnings,omitempty"`
	// Set only for a single table.
	PartitionValues []string   `json:"partitionValues,omitempty"`
	FileList        []fileView `json:"fileList,omitempty"`
}

type fileView struct {
	Key       string            `json:"key"`
	Size      int64             `json:"size"`
	Rows      int64             `json:"rows"`
	Partition map[string]string `json:"partition,omitempty"`
}

func viewTable(t *catalog.Table, detail bool) tableView {
	v := tableView{
		Name: t.Name, Location: t.Location, Format: t.Format, Columns: t.Columns, PartitionKeys: t.PartitionKeys,
		Partitions: len(t.Partitions()), Files: len(t.Files), Rows: t.Rows(), Bytes: t.Bytes(), CrawledAt: t.CrawledAt,
		Warnings: t.Warnings,
	}
	if v.Columns == nil {
		v.Columns = []crawl.Column{}
	}
	if v.PartitionKeys == nil {
		v.PartitionKeys = []crawl.Column{}
	}
	if detail {
		v.PartitionValues = t.Partitions()
		v.FileList = make([]fileView, len(t.Files))
		for i, f := range t.Files {
			v.FileList[i] = fileView{Key: f.Key, Size: f.Size, Rows: f.Rows, Partition: f.Partition}
		}
	}
	return v
}

func (s *Server) catalog() (Catalog, error) {
	if s.opts.Catalog == nil {
		return nil, notebooks.Errorf(ENotImplemented, "this server has no table catalog")
	}
	return s.opts.Catalog, nil
}

func (s *Server) handleListTables(w http.ResponseWriter, r *http.Request) error {
	c, err := s.catalog()
	if err != nil {
		return err
	}
	tables := c.Tables()
	out := make([]tableView, len(tables))
	for i, t := range tables {
		out[i] = viewTable(t, false)
	}
	writeJSON(w, http.StatusOK, map[string]any{"tables": out})
	return nil
}

func (s *Server) handleGetTable(w http.ResponseWriter, r *http.Request) error {
	c, err := s.catalog()
	if err != nil {
		return err
	}
	t, ok := c.Table(r.PathValue("name"))
	if !ok {
		return notebooks.Errorf(notebooks.ENotFound, "no table %q in the catalog", r.PathValue("name"))
	}
	writeJSON(w, http.StatusOK, viewTable(t, true))
	return nil
}

func (s *Server) handleRegisterTable(w http.ResponseWriter, r *http.Request) error {
	c, err := s.catalog()
	if err != nil {
		return err
	}
	var body struct {
		Name     string `json:"name"`
		Location string `json:"location"`
		Format   string `json:"format"`
	}
	if err := s.decodeJSON(w, r, &body); err != nil {
		return err
	}
	t, ch, err := c.Register(r.Context(), body.Name, body.Location, body.Format)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"table": viewTable(t, false), "changes": ch})
	return nil
}

func (s *Server) handleDropTable(w http.ResponseWriter, r *http.Request) error {
	c, err := s.catalog()
	if err != nil {
		return err
	}
	if err := c.Drop(r.PathValue("name")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleCrawl(w http.ResponseWriter, r *http.Request) error {
	c, err := s.catalog()
	if err != nil {
		return err
	}
	var body struct {
		Location string `json:"location"`
		Table    string `json:"table"`
	}
	if err := s.decodeJSON(w, r, &body); err != nil {
		return err
	}
	t, ch, err := c.Crawl(r.Context(), body.Location, body.Table)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"table": viewTable(t, false), "changes": ch})
	return nil
}
