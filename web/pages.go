package web

import (
	"net/url"

	"github.com/a-h/templ"
)

// ListData is what the notebook list page shows.
type ListData struct {
	Notebooks []ListItem
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

func displayName(it ListItem) string {
	if it.Name != "" {
		return it.Name
	}
	return it.ID
}
