package web

import (
	"bytes"
	"context"
	"strings"
	"testing"

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
		{ID: "a b", Name: `<script>alert(1)</script>`},
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

	// Good notebooks: a link to /notebooks/{id} holding the name, with rename and delete.
	for i, want := range []struct{ href, name string }{
		{"/notebooks/sales", "Sales report"},
		{"/notebooks/a%20b", `<script>alert(1)</script>`},
	} {
		it := items[i]
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
	if n := len(findAll(items[1], func(e *html.Node) bool { return e.Data == "script" })); n != 0 {
		t.Errorf("a notebook name became a script element")
	}

	// A broken file: its error, no link, no rename.
	broken := items[2]
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
