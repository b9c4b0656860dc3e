package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/export"
	"github.com/processkarta/processkarta/server"
)

// getHTML fetches an export's web page with token ("" for none).
func getHTML(t *testing.T, n *node, id, token string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctxT(t), "GET", n.URL()+"/api/exports/"+id+"/html", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

// TestExportHTML: GET /api/exports/{id}/html serves the export's report
// as a web page to whoever may read the export (any token of its board,
// the organizer), with a policy that allows its one inline stylesheet by
// hash and nothing else inline; others get 401, unknown exports and
// exports without a page 404.
func TestExportHTML(t *testing.T) {
	store := openBolt(t)
	n := startNode(t, store, nil, server.Limits{})
	ctx := ctxT(t)
	a := n.api
	b := newBoard(t, n, "goal-workshop")
	j := join(t, n, b.JoinCode, "Åsa Öberg", "politician")
	fac := dial(t, n, b.ID, b.FacilitatorToken)
	if _, err := fac.Ops(ctx, note("Hinder: för få laddplatser", 10, 10)); err != nil {
		t.Fatal(err)
	}
	var e board.Export
	if err := a.Do(ctx, "POST", "/api/boards/"+b.ID+"/exports", b.FacilitatorToken, nil, &e); err != nil {
		t.Fatal(err)
	}
	if !e.Report {
		t.Errorf("the export's metadata does not say it has a web page: %+v", e)
	}

	for _, token := range []string{j.Token, b.FacilitatorToken, testKey} {
		resp, page := getHTML(t, n, e.ID, token)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
			t.Fatalf("html: %d %s\n%.300s", resp.StatusCode, resp.Header.Get("Content-Type"), page)
		}
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "style-src 'self' "+export.ReportStyleHash()+";") || strings.Contains(csp, "unsafe-inline") ||
			!strings.Contains(csp, "script-src 'self';") {
			t.Errorf("policy: %s", csp)
		}
		for _, want := range []string{`<html lang="sv">`, "<h1>Processkartläggning energi</h1>", "Hinder: för få laddplatser",
			`role="img"`, `<a href="/tillganglighet">`, `<a href="/integritet">`} {
			if !strings.Contains(page, want) {
				t.Errorf("the page lacks %s", want)
			}
		}
		if strings.Contains(page, "Åsa Öberg") {
			t.Error("an export without names names a participant on its web page")
		}
	}

	other := newBoard(t, n, "blank")
	for what, token := range map[string]string{"no token": "", "another board's token": other.FacilitatorToken, "a wrong key": "nyckel"} {
		if resp, _ := getHTML(t, n, e.ID, token); resp.StatusCode != 401 {
			t.Errorf("%s: %d, want 401", what, resp.StatusCode)
		}
	}
	if resp, _ := getHTML(t, n, "nope", testKey); resp.StatusCode != 404 {
		t.Errorf("unknown export: %d, want 404", resp.StatusCode)
	}
	// An export made before exports had a web page.
	old := &board.Export{ID: "old-export", Board: b.ID, Municipality: "1480", Title: "Gammal", FileName: "gammal.pdf", FileNameASCII: "gammal.pdf",
		Lang: "sv", CreatedAt: time.Now().UTC(), Bytes: 9, SHA256: strings.Repeat("0", 64)}
	if err := store.SaveExport(ctx, old, []byte("%PDF-1.4\n")); err != nil {
		t.Fatal(err)
	}
	if resp, body := getHTML(t, n, old.ID, testKey); resp.StatusCode != 404 || !strings.Contains(body, "make a new export") {
		t.Errorf("an export without a page: %d %s", resp.StatusCode, body)
	}

	// The revision report has its page too, in English when asked.
	var st struct{ ID string }
	if err := a.Do(ctx, "POST", "/api/municipalities/1480/strategies", testKey, map[string]string{"title": "Klimatstrategi", "revision": "2027"}, &st); err != nil {
		t.Fatal(err)
	}
	var rev board.Export
	if err := a.Do(ctx, "POST", "/api/strategies/"+st.ID+"/exports?lang=en", testKey, nil, &rev); err != nil {
		t.Fatal(err)
	}
	resp, page := getHTML(t, n, rev.ID, testKey)
	if resp.StatusCode != 200 || !strings.Contains(page, `<html lang="en">`) || !strings.Contains(page, "<h1>Klimatstrategi 2027</h1>") ||
		!strings.Contains(page, "Accessibility statement") {
		t.Errorf("revision report page: %d\n%.500s", resp.StatusCode, page)
	}
}
