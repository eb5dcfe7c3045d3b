package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/lakebook/lakebook/notebooks"
	"github.com/lakebook/lakebook/notebooks/ipynb"
	"github.com/lakebook/lakebook/notebooks/zpln"
	"github.com/lakebook/lakebook/web"
)

// maxImportBytes bounds an imported file.
const maxImportBytes = ipynb.MaxSize

// importer is what Import needs of the store beyond NotebookStore: saving a whole notebook as a
// new file. store/local implements it.
type importer interface {
	Import(ctx context.Context, nb *notebooks.Notebook) error
}

// importResult answers POST /api/notebooks/import.
type importResult struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Format     string   `json:"format"`
	Paragraphs int      `json:"paragraphs"`
	Notes      []string `json:"notes"`
}

// detectFormat tells a notebook file's format from its content, not its name.
func detectFormat(data []byte) string {
	trimmed := bytes.TrimSpace(data)
	switch {
	case bytes.HasPrefix(trimmed, []byte("{")):
		var top map[string]json.RawMessage
		if json.Unmarshal(data, &top) != nil {
			// Broken JSON: let the converter that fits best say where it breaks.
			if bytes.Contains(data, []byte(`"paragraphs"`)) {
				return "zpln"
			}
			return "ipynb"
		}
		switch {
		case top["cells"] != nil || top["nbformat"] != nil:
			return "ipynb"
		case top["paragraphs"] != nil:
			return "zpln"
		}
		return "json"
	case bytes.HasPrefix(trimmed, []byte("<!-- lakebook ")), bytes.HasPrefix(trimmed, []byte("<!-- paragraph ")):
		return "nb"
	}
	return ""
}

func (s *Server) handleImport(w http.ResponseWriter, r *http.Request) error {
	imp, ok := s.opts.Store.(importer)
	if !ok {
		return notebooks.Errorf(notebooks.EUnavailable, "this store cannot import notebooks")
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxImportBytes))
	var big *http.MaxBytesError
	if errors.As(err, &big) {
		return notebooks.Errorf(notebooks.ETooLarge, "the file is larger than %d MiB", maxImportBytes>>20)
	}
	if err != nil {
		return notebooks.Errorf(notebooks.EInvalid, "reading the upload: %v", err)
	}
	name := r.URL.Query().Get("name")
	var res *ipynb.Imported
	format := detectFormat(data)
	switch format {
	case "ipynb":
		res, err = ipynb.Import(data, name)
	case "zpln":
		res, err = zpln.Import(data, name)
	case "nb":
		var nb *notebooks.Notebook
		if nb, err = notebooks.Parse(name, data); err == nil {
			res = &ipynb.Imported{Notebook: nb}
		} else {
			err = notebooks.Errorf(notebooks.EInvalid, "not a valid lakebook notebook: %v", err)
		}
	case "json":
		err = notebooks.Errorf(notebooks.EInvalid, "this JSON is not a notebook: expected a Jupyter notebook (with \"cells\") or a Zeppelin note (with \"paragraphs\")")
	default:
		err = notebooks.Errorf(notebooks.EInvalid, "not a notebook: expected a Jupyter .ipynb, a Zeppelin .zpln or note.json, or a lakebook .nb.md file")
	}
	if err != nil {
		return err
	}
	nb := res.Notebook
	if nb.Name == "" || notebooks.ValidateName(nb.Name) != nil {
		nb.Name = "Imported notebook"
	}
	if err := nb.Validate(); err != nil {
		return err
	}
	// A name in use gets a new one: an import never overwrites anything.
	base := nb.Name
	for i := 2; ; i++ {
		err = imp.Import(r.Context(), nb)
		if notebooks.ErrorCode(err) != notebooks.EConflict || i > 1000 {
			break
		}
		nb.Name = fmt.Sprintf("%s (%d)", base, i)
	}
	if err != nil {
		return err
	}
	if len(res.Outputs) > 0 {
		// The outputs the file carried show as the paragraphs' results until they run again.
		if ss, err := s.session(r.Context(), nb.ID); err == nil {
			ss.setImportedOutputs(res.Outputs)
		}
	}
	notes := res.Notes
	if notes == nil {
		notes = []string{}
	}
	writeJSON(w, http.StatusCreated, importResult{ID: nb.ID, Name: nb.Name, Format: format, Paragraphs: len(nb.Paragraphs), Notes: notes})
	return nil
}

// setImportedOutputs shows outputs that came with an imported file as finished runs.
func (ss *session) setImportedOutputs(outputs map[string][]notebooks.Output) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for pid, outs := range outputs {
		if p, _ := ss.nb.Paragraph(pid); p == nil || len(outs) == 0 {
			continue
		}
		ss.nextRun++
		ss.runs[pid] = &run{pid: pid, done: closedChan(), view: runView{RunID: ss.nextRun, Status: StatusFinished, Outputs: outs}}
	}
}

func closedChan() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}

// outputs returns the latest outputs of every paragraph.
func (ss *session) outputs() map[string][]notebooks.Output {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	out := make(map[string][]notebooks.Output, len(ss.runs))
	for pid, r := range ss.runs {
		out[pid] = append([]notebooks.Output(nil), r.view.Outputs...)
	}
	return out
}

var exportTypes = map[string]struct{ ext, contentType string }{
	"ipynb": {".ipynb", "application/x-ipynb+json"},
	"zpln":  {".zpln", "application/json"},
	"html":  {".html", "text/html; charset=utf-8"},
	"nb":    {notebooks.FileExt, "text/markdown; charset=utf-8"},
}

func (s *Server) handleExport(w http.ResponseWriter, r *http.Request) error {
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "nb"
	}
	typ, ok := exportTypes[format]
	if !ok {
		return notebooks.Errorf(notebooks.EInvalid, "unknown export format %q (want ipynb, zpln, html or nb)", format)
	}
	ss, err := s.session(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	ss.mu.Lock()
	nb := ss.nb.Clone()
	ss.mu.Unlock()
	outputs := ss.outputs()

	var data []byte
	switch format {
	case "ipynb":
		data, err = ipynb.Export(nb, outputs)
	case "zpln":
		data, err = zpln.Export(nb, outputs)
	case "nb":
		data, err = notebooks.Encode(nb)
	case "html":
		s.renderMarkdown(r.Context(), nb, outputs)
		var b bytes.Buffer
		err = web.Report(reportData(ss, nb, outputs)).Render(r.Context(), &b)
		data = b.Bytes()
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", typ.contentType)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(nb.Name+typ.ext))
	if format == "html" {
		// Opened from the server, the report may not run anything; saved, it has nothing to run.
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data: https:")
	}
	w.Write(data)
	return nil
}

// renderMarkdown puts the rendered html of Markdown paragraphs first in their outputs, unless a
// run already did, so a report reads as the notebook page does.
func (s *Server) renderMarkdown(ctx context.Context, nb *notebooks.Notebook, outputs map[string][]notebooks.Output) {
	var k Kernel
	for _, p := range nb.Paragraphs {
		if p.Lang != notebooks.Markdown || len(outputs[p.ID]) > 0 && outputs[p.ID][0].Type == notebooks.OutputHTML {
			continue
		}
		if k == nil {
			var err error
			if k, err = s.opts.NewKernel(ctx, notebooks.Markdown, nb.ID); err != nil {
				return
			}
			defer k.Close()
		}
		var outs []notebooks.Output
		if k.Run(ctx, p.Text, func(o notebooks.Output) { outs = append(outs, o) }) == nil {
			outputs[p.ID] = append(outs, outputs[p.ID]...)
		}
	}
}

func reportData(ss *session, nb *notebooks.Notebook, outputs map[string][]notebooks.Output) web.ReportData {
	d := web.ReportData{Name: nb.Name, Generated: time.Now().UTC().Format("2006-01-02 15:04 UTC")}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for _, p := range nb.Paragraphs {
		rp := web.ReportParagraph{Title: p.Title, Lang: string(p.Lang), Code: p.Text, Outputs: outputs[p.ID]}
		if r := ss.runs[p.ID]; r != nil {
			rp.Error = r.view.Error
		}
		d.Paragraphs = append(d.Paragraphs, rp)
	}
	return d
}
