package web

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"
	"golang.org/x/net/html"
)

// render renders c and parses the result.
func render(t testing.TB, c templ.Component) *html.Node {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(context.Background(), &buf); err != nil {
		t.Fatalf("render: %v", err)
	}
	doc, err := html.Parse(&buf)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return doc
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// findAll returns the elements under n for which match is true, in document order.
func findAll(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func byTestID(n *html.Node, id string) []*html.Node {
	return findAll(n, func(e *html.Node) bool { v, _ := attr(e, "data-testid"); return v == id })
}

func one(t testing.TB, n *html.Node, id string) *html.Node {
	t.Helper()
	all := byTestID(n, id)
	if len(all) != 1 {
		t.Fatalf("data-testid=%q: %d elements, want 1", id, len(all))
	}
	return all[0]
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// checkSameOrigin fails when the page loads anything from another origin.
func checkSameOrigin(t *testing.T, doc *html.Node) {
	t.Helper()
	for _, e := range findAll(doc, func(*html.Node) bool { return true }) {
		for _, key := range []string{"src", "href", "action", "srcset", "poster", "data"} {
			v, ok := attr(e, key)
			if !ok {
				continue
			}
			if strings.HasPrefix(v, "//") || strings.Contains(v, "://") {
				t.Errorf("<%s %s=%q> points to another origin", e.Data, key, v)
			}
		}
		if e.Data == "script" && e.FirstChild != nil {
			t.Errorf("inline script: %q", text(e))
		}
	}
}

// checkAssets checks the page loads app.js and app.css from /static/.
func checkAssets(t *testing.T, doc *html.Node) {
	t.Helper()
	scripts := findAll(doc, func(e *html.Node) bool { return e.Data == "script" })
	if len(scripts) != 1 {
		t.Fatalf("%d scripts, want 1", len(scripts))
	}
	if src, _ := attr(scripts[0], "src"); src != AssetURL("app.js") || !strings.HasPrefix(src, "/static/app.js") {
		t.Errorf("script src = %q, want %q", src, AssetURL("app.js"))
	}
	css := findAll(doc, func(e *html.Node) bool { v, _ := attr(e, "rel"); return e.Data == "link" && v == "stylesheet" })
	if len(css) != 1 {
		t.Fatalf("%d stylesheets, want 1", len(css))
	}
	if href, _ := attr(css[0], "href"); href != AssetURL("app.css") {
		t.Errorf("stylesheet href = %q, want %q", href, AssetURL("app.css"))
	}
}

func TestListPage(t *testing.T) {
	doc := render(t, ListPage(ListData{Notebooks: []ListItem{
		{ID: "sales", Name: "Sales report"},
		{ID: "a b", Name: `<script>alert(1)`},
		{ID: "broken", Name: "Broken one", Error: "line 3: bad metadata"},
	}}))
	checkSameOrigin(t, doc)
	checkAssets(t, doc)

	if title := findAll(doc, func(e *html.Node) bool { return e.Data == "title" }); len(title) != 1 || text(title[0]) != "lakebook" {
		t.Errorf("title: %v", title)
	}
	if h1 := findAll(doc, func(e *html.Node) bool { return e.Data == "h1" }); len(h1) != 1 || text(h1[0]) != "lakebook" {
		t.Errorf("h1 is not lakebook")
	}
	list := one(t, doc, "notebook-list")
	items := byTestID(list, "notebook-item")
	if len(items) != 3 {
		t.Fatalf("%d notebook items, want 3", len(items))
	}

	// In name order: "<script…", "Broken one", "Sales report".
	// Good notebooks: a link to /notebooks/{id} holding the name, with rename and delete.
	for i, want := range []struct {
		item       int
		href, name string
	}{
		{2, "/notebooks/sales", "Sales report"},
		{0, "/notebooks/a%20b", `<script>alert(1)`},
	} {
		it := items[want.item]
		links := findAll(it, func(e *html.Node) bool { return e.Data == "a" })
		if len(links) != 1 {
			t.Fatalf("item %d: %d links", i, len(links))
		}
		if href, _ := attr(links[0], "href"); href != want.href {
			t.Errorf("item %d: href %q, want %q", i, href, want.href)
		}
		if got := text(links[0]); got != want.name {
			t.Errorf("item %d: name %q, want %q", i, got, want.name)
		}
		if !strings.Contains(text(it), want.name) {
			t.Errorf("item %d does not contain its name", i)
		}
		one(t, it, "rename-notebook")
		one(t, it, "delete-notebook")
	}
	if n := len(findAll(items[0], func(e *html.Node) bool { return e.Data == "script" })); n != 0 {
		t.Errorf("a notebook name became a script element")
	}

	// A broken file: its error, no link, no rename.
	broken := items[1]
	if links := findAll(broken, func(e *html.Node) bool { return e.Data == "a" }); len(links) != 0 {
		t.Errorf("broken item is a link")
	}
	if got := text(one(t, broken, "notebook-error")); got != "line 3: bad metadata" {
		t.Errorf("broken item error = %q", got)
	}
	if !strings.Contains(text(broken), "Broken one") {
		t.Errorf("broken item does not show its name: %q", text(broken))
	}
	if len(byTestID(broken, "rename-notebook")) != 0 {
		t.Errorf("broken item can be renamed")
	}
	one(t, broken, "delete-notebook")

	// The create form.
	input := one(t, doc, "new-notebook-name")
	if input.Data != "input" {
		t.Errorf("new-notebook-name is <%s>", input.Data)
	}
	if btn := one(t, doc, "new-notebook"); btn.Data != "button" {
		t.Errorf("new-notebook is <%s>", btn.Data)
	}
	if _, hidden := attr(one(t, doc, "no-notebooks"), "hidden"); !hidden {
		t.Errorf("the empty-list message shows with notebooks")
	}
}

func TestListPageEmpty(t *testing.T) {
	doc := render(t, ListPage(ListData{}))
	one(t, doc, "notebook-list")
	if n := len(byTestID(doc, "notebook-item")); n != 0 {
		t.Errorf("%d items", n)
	}
	if _, hidden := attr(one(t, doc, "no-notebooks"), "hidden"); hidden {
		t.Errorf("the empty-list message is hidden")
	}
}

func TestListPageTree(t *testing.T) {
	doc := render(t, ListPage(ListData{Notebooks: []ListItem{
		{ID: "a", Name: "team/sales/q3"},
		{ID: "b", Name: "team/ops"},
		{ID: "c", Name: "alone"},
		{ID: "d", Name: "team/sales/q1"},
		{ID: "e", Name: "zeta/x", Error: "line 1: bad"},
	}}))
	list := one(t, doc, "notebook-list")
	// Folders first, then notebooks, each in name order, nested as the names say.
	var got []string
	var walk func(n *html.Node, depth int)
	walk = func(n *html.Node, depth int) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch v, _ := attr(c, "data-testid"); v {
			case "folder":
				got = append(got, strings.Repeat("  ", depth)+text(byTestID(c, "folder-name")[0])+"/")
				walk(c, depth+1)
				continue
			case "notebook-item":
				got = append(got, strings.Repeat("  ", depth)+text(findAll(c, func(e *html.Node) bool { v, _ := attr(e, "class"); return strings.HasPrefix(v, "nb-name") })[0]))
				continue
			}
			walk(c, depth)
		}
	}
	walk(list, 0)
	want := []string{"team/", "  sales/", "    q1", "    q3", "  ops", "zeta/", "  x", "alone"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("tree:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	team := byTestID(list, "folder")[0]
	if p, _ := attr(team, "data-path"); p != "team" || !strings.Contains(text(team), "team 3") {
		t.Errorf("team folder: path %q, text %q (want its count, 3)", p, text(team))
	}
	if p, _ := attr(byTestID(team, "folder")[1], "data-path"); p != "team/sales" {
		t.Errorf("sales folder path = %q", p)
	}
	// Items keep their whole name for rename and move.
	if n, _ := attr(byTestID(list, "notebook-item")[0], "data-name"); n != "team/sales/q1" {
		t.Errorf("data-name = %q", n)
	}
}

func TestListPageTrash(t *testing.T) {
	when := time.Date(2026, 12, 6, 23, 5, 0, 0, time.UTC)
	doc := render(t, ListPage(ListData{HasTrash: true, Trash: []TrashItem{
		{ID: "e1", Name: "team/old", Deleted: when},
		{ID: "e2", Name: "<b>x</b>", Deleted: when, Error: "line 2: bad"},
	}}))
	if got := text(one(t, doc, "trash-count")); got != "2" {
		t.Errorf("trash count = %q", got)
	}
	if _, hidden := attr(one(t, doc, "trash-view"), "hidden"); !hidden {
		t.Errorf("the trash view shows before its tab is picked")
	}
	items := byTestID(doc, "trash-item")
	if len(items) != 2 || !strings.Contains(text(items[0]), "team/old deleted 2026-12-06 23:05 UTC") || !strings.Contains(text(items[1]), "does not parse") {
		t.Fatalf("trash items: %d, %q", len(items), text(one(t, doc, "trash-list")))
	}
	one(t, items[0], "restore-notebook")
	one(t, items[0], "delete-forever")
	if _, disabled := attr(one(t, doc, "empty-trash"), "disabled"); disabled {
		t.Errorf("empty trash is disabled with entries")
	}
	if _, hidden := attr(one(t, doc, "trash-empty"), "hidden"); !hidden {
		t.Errorf("the empty-trash message shows with entries")
	}

	empty := render(t, ListPage(ListData{HasTrash: true}))
	if _, disabled := attr(one(t, empty, "empty-trash"), "disabled"); !disabled {
		t.Errorf("empty trash is enabled with nothing in it")
	}
	// A store without a trash shows no trash tab.
	if n := len(byTestID(render(t, ListPage(ListData{})), "tab-trash")); n != 0 {
		t.Errorf("%d trash tabs without a trash", n)
	}
}

func TestNotebookPage(t *testing.T) {
	doc := render(t, NotebookPage(NotebookData{ID: "nb/../1", Name: `Q3 <b>sales</b>`}))
	checkSameOrigin(t, doc)
	checkAssets(t, doc)

	apps := findAll(doc, func(e *html.Node) bool { v, _ := attr(e, "id"); return v == "app" })
	if len(apps) != 1 {
		t.Fatalf("%d #app elements", len(apps))
	}
	if id, _ := attr(apps[0], "data-notebook-id"); id != "nb/../1" {
		t.Errorf("data-notebook-id = %q", id)
	}
	if got := text(one(t, doc, "notebook-name")); got != `Q3 <b>sales</b>` {
		t.Errorf("notebook-name = %q", got)
	}
	if len(findAll(one(t, doc, "notebook-name"), func(e *html.Node) bool { return e.Data == "b" })) != 0 {
		t.Errorf("the name was not escaped")
	}
	if title := findAll(doc, func(e *html.Node) bool { return e.Data == "title" }); len(title) != 1 || !strings.HasPrefix(text(title[0]), "Q3 <b>sales</b>") {
		t.Errorf("title: %q", text(title[0]))
	}
	if btn := one(t, doc, "run-all"); btn.Data != "button" {
		t.Errorf("run-all is <%s>", btn.Data)
	}
	one(t, doc, "connection")
}
