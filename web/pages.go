package web

import (
	"net/url"
	"sort"
	"time"

	"github.com/a-h/templ"

	"github.com/lakebook/lakebook/notebooks"
)

// ListData is what the notebook list page shows.
type ListData struct {
	Notebooks []ListItem
	// HasTrash says the store keeps a trash; Trash is what it holds, most recent first.
	HasTrash bool
	Trash    []TrashItem
}

// TrashItem is one entry of the trash view.
type TrashItem struct {
	ID, Name, Error string
	Deleted         time.Time
}

// ListFolder is one folder of the notebook tree: the folders and notebooks directly in it.
type ListFolder struct {
	Name, Path string
	Folders    []*ListFolder
	Notebooks  []ListItem
	// Count is how many notebooks the folder holds, at any depth.
	Count int
}

// Tree arranges the notebooks by the folders in their names ("team/sales/q3" is q3 in sales in
// team): each folder lists its folders first, then its notebooks, both in name order.
func (d ListData) Tree() *ListFolder {
	root := &ListFolder{}
	byPath := map[string]*ListFolder{"": root}
	var folder func(path string) *ListFolder
	folder = func(path string) *ListFolder {
		if f := byPath[path]; f != nil {
			return f
		}
		parent := folder(notebooks.Folder(path))
		f := &ListFolder{Name: notebooks.BaseName(path), Path: path}
		parent.Folders = append(parent.Folders, f)
		byPath[path] = f
		return f
	}
	for _, n := range d.Notebooks {
		path := notebooks.Folder(n.Name)
		folder(path).Notebooks = append(folder(path).Notebooks, n)
		for p := path; ; p = notebooks.Folder(p) {
			byPath[p].Count++
			if p == "" {
				break
			}
		}
	}
	var sortTree func(f *ListFolder)
	sortTree = func(f *ListFolder) {
		sort.Slice(f.Folders, func(i, j int) bool { return f.Folders[i].Name < f.Folders[j].Name })
		sort.SliceStable(f.Notebooks, func(i, j int) bool { return f.Notebooks[i].Name < f.Notebooks[j].Name })
		for _, sub := range f.Folders {
			sortTree(sub)
		}
	}
	sortTree(root)
	return root
}

// shortName is what a notebook shows as in the tree, where its folders are already shown.
func shortName(it ListItem) string {
	if it.Name == "" {
		return it.ID
	}
	return notebooks.BaseName(it.Name)
}

// ListItem is one notebook of the list. Error is set for a file that does not parse: it is shown
// with its error text and not as a link.
type ListItem struct {
	ID, Name, Error string
}

// NotebookData is what the notebook page's shell needs; the app loads the rest over the websocket.
type NotebookData struct {
	ID, Name string
}

// notebookURL is the page of notebook id.
func notebookURL(id string) templ.SafeURL {
	return templ.SafeURL("/notebooks/" + url.PathEscape(id))
}
