package server

import (
	"bytes"
	"html/template"
	"net/http"

	"github.com/processkarta/processkarta/web"
)

// statementPages renders the pages the accessibility and data protection
// laws ask for: /tillganglighet and /integritet. They are rendered on the
// server, not by script, so that they read the same in any browser, and
// they name the operator's contact address and the retention period in
// force.
type statementPages struct {
	tmpl *template.Template
	data pageData
}

type pageData struct {
	ContactEmail  string
	Operator      string
	RetentionDays int
}

func newStatementPages(cfg Config) *statementPages {
	t := template.Must(template.ParseFS(web.Pages(), "*.html"))
	d := pageData{ContactEmail: cfg.ContactEmail, Operator: cfg.Operator, RetentionDays: cfg.RetentionDays}
	if d.ContactEmail == "" {
		d.ContactEmail = DefaultContactEmail
	}
	if d.Operator == "" {
		d.Operator = "Den kommun eller organisation som driver den här installationen"
	}
	return &statementPages{tmpl: t, data: d}
}

// DefaultContactEmail stands in when PROCESSKARTA_CONTACT_EMAIL is not set;
// the start-up log warns about it, since the law asks for a real address.
const DefaultContactEmail = "tillganglighet@example.invalid"

// handler serves the named template.
func (p *statementPages) handler(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		if err := p.tmpl.ExecuteTemplate(&buf, name, p.data); err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-cache")
		w.Write(buf.Bytes())
	}
}
