package server

import (
	"bytes"
	"net/http"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/export"
)

// getExportHTML serves an export's report as an accessible web page: the
// HTML made with the PDF and kept in it (export.ReportHTML), so that it is
// always the same report. Its stylesheet stands in the page; the page's
// policy allows that stylesheet by its hash and nothing else inline. The
// links to the accessibility statement and the privacy notice are added
// here, as every page of the service has them.
func (s *Server) getExportHTML(w http.ResponseWriter, r *http.Request, e *board.Export) {
	pdf, err := s.store.ExportPDF(r.Context(), e.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	page, err := export.ReportHTML(pdf)
	if err != nil {
		s.writeError(w, r, board.Errorf(board.ENotFound, "this export has no web page (it was made before exports had one); make a new export"))
		return
	}
	page = withStatementLinks(page, e.Lang)
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", cspWithStyle(export.StyleHash(inlineStyle(page))))
	h.Set("Cache-Control", "private, no-cache")
	w.WriteHeader(http.StatusOK)
	w.Write(page)
}

// inlineStyle returns the text of the page's first <style> element.
func inlineStyle(page []byte) string {
	_, rest, ok := bytes.Cut(page, []byte("<style>"))
	if !ok {
		return ""
	}
	css, _, ok := bytes.Cut(rest, []byte("</style>"))
	if !ok {
		return ""
	}
	return string(css)
}

// withStatementLinks puts the links to /tillganglighet and /integritet in
// the report's footer.
func withStatementLinks(page []byte, lang string) []byte {
	links := `<ul><li><a href="/tillganglighet">Tillgänglighet</a></li><li><a href="/integritet">Integritet och personuppgifter</a></li></ul>`
	if lang == "en" {
		links = `<ul><li><a href="/tillganglighet" hreflang="sv">Accessibility statement (in Swedish, with an English summary)</a></li>` +
			`<li><a href="/integritet" hreflang="sv">Privacy and personal data (in Swedish, with an English summary)</a></li></ul>`
	}
	i := bytes.LastIndex(page, []byte("</footer>"))
	if i < 0 {
		return page
	}
	out := make([]byte, 0, len(page)+len(links))
	out = append(out, page[:i]...)
	out = append(out, links...)
	return append(out, page[i:]...)
}
