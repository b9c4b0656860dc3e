// Package web holds the browser client: plain ES modules, HTML and CSS,
// embedded in the binary. There is no build step.
package web

import (
	"embed"
	"io/fs"
)

//go:embed static
var static embed.FS

//go:embed pages
var pages embed.FS

// FS returns the client's files, rooted at web/static: index.html (the
// organizer's start page), join.html, board.html and their assets.
func FS() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err)
	}
	return sub
}

// Pages returns the server-rendered pages, rooted at web/pages: the
// accessibility statement (tillganglighet.html) and the privacy notice
// (integritet.html), html/template files that share footer.html. They are
// templates because they name the operator's contact address and the
// retention period, and they must read well without scripts.
func Pages() fs.FS {
	sub, err := fs.Sub(pages, "pages")
	if err != nil {
		panic(err)
	}
	return sub
}
