package server_test

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/board/redisstore"
	"github.com/processkarta/processkarta/board/redisstore/redistest"
	"github.com/processkarta/processkarta/server"
)

func TestExportsAttachToStrategy(t *testing.T) {
	n := boltNode(t)
	ctx := ctxT(t)
	a := n.api
	if err := a.EnsureMunicipality(ctx, "1480"); err != nil {
		t.Fatal(err)
	}
	var st struct{ ID string }
	if err := a.Do(ctx, "POST", "/api/municipalities/1480/strategies", testKey, map[string]string{"title": "Energi- och klimatstrategi", "revision": "2026"}, &st); err != nil {
		t.Fatal(err)
	}
	var b struct {
		ID, JoinCode, FacilitatorToken string
	}
	if err := a.Do(ctx, "POST", "/api/boards", testKey, map[string]string{"title": "Målworkshop", "municipality": "1480", "strategy": st.ID, "template": "goal-workshop"}, &b); err != nil {
		t.Fatal(err)
	}
	j := join(t, n, b.JoinCode, "Åsa Öberg", "politician")
	fac := dial(t, n, b.ID, b.FacilitatorToken)
	if _, err := fac.Ops(ctx, note("Hinder: för få laddplatser", 10, 10)); err != nil {
		t.Fatal(err)
	}

	apiErr(t, a.Do(ctx, "POST", "/api/boards/"+b.ID+"/exports", j.Token, nil, nil), 403, "forbidden")
	apiErr(t, a.Do(ctx, "POST", "/api/boards/"+b.ID+"/exports?lang=fi", b.FacilitatorToken, nil, nil), 400, "invalid")

	var e board.Export
	if err := a.Do(ctx, "POST", "/api/boards/"+b.ID+"/exports", b.FacilitatorToken, nil, &e); err != nil {
		t.Fatal(err)
	}
	if e.Board != b.ID || e.Strategy != st.ID || e.Municipality != "1480" || e.Bytes < 1000 || len(e.SHA256) != 64 || e.Seq < 2 {
		t.Fatalf("export: %+v", e)
	}
	var strategies []struct {
		ID      string
		Exports []board.Export
	}
	if err := a.Do(ctx, "GET", "/api/municipalities/1480/strategies", testKey, nil, &strategies); err != nil {
		t.Fatal(err)
	}
	if len(strategies) != 1 || len(strategies[0].Exports) != 1 || strategies[0].Exports[0].ID != e.ID {
		t.Fatalf("strategy exports: %+v", strategies)
	}
	// Any token of the board reads it; the PDF is what was hashed.
	var meta board.Export
	if err := a.Do(ctx, "GET", "/api/exports/"+e.ID, j.Token, nil, &meta); err != nil || meta.SHA256 != e.SHA256 {
		t.Fatalf("metadata: %+v %v", meta, err)
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", n.URL()+"/api/exports/"+e.ID+"/pdf", nil)
	req.Header.Set("Authorization", "Bearer "+j.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	sum := sha256.Sum256(pdf)
	cd := resp.Header.Get("Content-Disposition")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || hex.EncodeToString(sum[:]) != e.SHA256 ||
		!strings.HasPrefix(string(pdf), "%PDF-") {
		t.Fatalf("pdf: %d %s %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(pdf))
	}
	if !strings.Contains(cd, `filename="Goteborg - Energi- och klimatstrategi 2026 - Malworkshop`) || !strings.Contains(cd, "filename*=UTF-8''G%C3%B6teborg") {
		t.Fatalf("content disposition: %s", cd)
	}
	// Other boards' tokens and no token get nothing.
	other := newBoard(t, n, "blank")
	apiErr(t, a.Do(ctx, "GET", "/api/exports/"+e.ID, other.FacilitatorToken, nil, nil), 401, "unauthorized")
	apiErr(t, a.Do(ctx, "GET", "/api/exports/"+e.ID+"/pdf", "", nil, nil), 401, "unauthorized")
	apiErr(t, a.Do(ctx, "GET", "/api/exports/nope", testKey, nil, nil), 404, "not_found")

	// A board without a strategy exports too; it is just not attached.
	var e2 board.Export
	if err := a.Do(ctx, "POST", "/api/boards/"+other.ID+"/exports?lang=en", testKey, map[string]bool{"names": true}, &e2); err != nil || e2.Strategy != "" || e2.Lang != "en" {
		t.Fatalf("export without strategy: %+v %v", e2, err)
	}

	// Concurrent exports are bounded but all succeed.
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- a.Do(ctx, "POST", "/api/boards/"+b.ID+"/exports", testKey, nil, nil)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// Any token of a board may download its PDFs, so a PDF made while a vote
// is open and hidden must not show the tally; after closing, it does.
func TestExportKeepsHiddenTallyHidden(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("pdftotext not found: install poppler-utils (make test does this)")
	}
	n := boltNode(t)
	b := newBoard(t, n, "goal-workshop")
	ctx := ctxT(t)
	fac := dial(t, n, b.ID, b.FacilitatorToken)
	j := join(t, n, b.JoinCode, "Ulla", "politician")
	ulla := dial(t, n, b.ID, j.Token)
	if _, err := fac.Settings(ctx, map[string]any{"voting": map[string]any{"open": true, "dots": 3, "kinds": []string{"goal"}, "hidden": true}}); err != nil {
		t.Fatal(err)
	}
	target := goals(fac)[0]
	for range 3 {
		if _, err := ulla.Vote(ctx, target, 1); err != nil {
			t.Fatal(err)
		}
	}
	text := func() string {
		var e board.Export
		if err := n.api.Do(ctx, "POST", "/api/boards/"+b.ID+"/exports", b.FacilitatorToken, nil, &e); err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequestWithContext(ctx, "GET", n.URL()+"/api/exports/"+e.ID+"/pdf", nil)
		req.Header.Set("Authorization", "Bearer "+j.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		cmd := exec.Command("pdftotext", "-", "-")
		cmd.Stdin = resp.Body
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	if s := text(); strings.Contains(s, "3 röster") {
		t.Fatal("a PDF made during a hidden vote shows the tally")
	}
	if _, err := fac.Settings(ctx, map[string]any{"voting": map[string]any{"open": false}}); err != nil {
		t.Fatal(err)
	}
	if s := text(); !strings.Contains(s, "3 röster") {
		t.Fatalf("the PDF after the vote lacks the tally:\n%s", s)
	}
}

// A board keeps its newest Caps.ExportsKept PDFs: each new export deletes
// the oldest beyond them, from the board and from its strategy's list, on
// either store.
func TestExportsKeepTheNewest(t *testing.T) {
	for _, tc := range []struct {
		name string
		open func(t *testing.T) board.Store
	}{
		{"embedded", func(t *testing.T) board.Store { return openBolt(t) }},
		{"redis", func(t *testing.T) board.Store {
			rs := redistest.Start(t)
			s, err := redisstore.Open(ctxT(t), rs.URL())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := startNodeConfig(t, tc.open(t), server.Config{Caps: server.Caps{ExportsKept: 3}})
			ctx := ctxT(t)
			a := n.api
			if err := a.EnsureMunicipality(ctx, "1480"); err != nil {
				t.Fatal(err)
			}
			var st struct{ ID string }
			if err := a.Do(ctx, "POST", "/api/municipalities/1480/strategies", testKey, map[string]string{"title": "Energi- och klimatstrategi", "revision": "2026"}, &st); err != nil {
				t.Fatal(err)
			}
			var b struct{ ID, FacilitatorToken string }
			if err := a.Do(ctx, "POST", "/api/boards", testKey, map[string]string{"title": "Målworkshop", "municipality": "1480", "strategy": st.ID, "template": "goal-workshop"}, &b); err != nil {
				t.Fatal(err)
			}
			other := newBoard(t, n, "blank")
			var otherExport board.Export
			if err := a.Do(ctx, "POST", "/api/boards/"+other.ID+"/exports", other.FacilitatorToken, nil, &otherExport); err != nil {
				t.Fatal(err)
			}
			var made []string
			for range 5 {
				var e board.Export
				if err := a.Do(ctx, "POST", "/api/boards/"+b.ID+"/exports", b.FacilitatorToken, nil, &e); err != nil {
					t.Fatal(err)
				}
				made = append(made, e.ID)
			}
			for i, id := range made {
				err := a.Do(ctx, "GET", "/api/exports/"+id, testKey, nil, nil)
				if i < 2 {
					apiErr(t, err, 404, "not_found")
				} else if err != nil {
					t.Fatalf("export %d of 5: %v", i+1, err)
				}
			}
			// Another board's export is not counted against this one.
			if err := a.Do(ctx, "GET", "/api/exports/"+otherExport.ID, testKey, nil, nil); err != nil {
				t.Fatalf("another board's export: %v", err)
			}
			var strategies []struct {
				ID      string
				Exports []board.Export
			}
			if err := a.Do(ctx, "GET", "/api/municipalities/1480/strategies", testKey, nil, &strategies); err != nil {
				t.Fatal(err)
			}
			var listed []string
			for _, e := range strategies[0].Exports {
				listed = append(listed, e.ID)
			}
			if !slices.Equal(listed, made[2:]) {
				t.Fatalf("the strategy lists %v, want the newest three %v", listed, made[2:])
			}
		})
	}
}
