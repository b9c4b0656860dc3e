// Package web holds the browser client: plain ES modules, HTML and CSS,
// embedded in the binary. There is no build step.
package web

import (
	"embed"
	"io/fs"
)

//go:embed static
var static embed.FS

// FS returns the client's files, rooted at web/static: index.html (the
// organizer's start page), join.html, board.html and their assets.
func FS() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err)
	}
	return sub
}
