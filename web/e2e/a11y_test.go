package e2e_test

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/processkarta/processkarta/server/client"
)

// axeDir caches axe-core between runs (ignored by git).
const axeDir = ".axe"

// axeSource returns axe.min.js of axe-core 4, fetched with npm the first
// time and kept in web/e2e/.axe/.
func axeSource(t *testing.T) string {
	t.Helper()
	cached := filepath.Join(axeDir, "axe.min.js")
	if b, err := os.ReadFile(cached); err == nil && len(b) > 100_000 {
		return string(b)
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Fatal("npm not found: install Node.js and npm (`apt-get install nodejs npm`) so that the accessibility test can fetch axe-core")
	}
	if err := os.MkdirAll(axeDir, 0o755); err != nil {
		t.Fatal(err)
	}
	tmp, err := os.MkdirTemp(axeDir, "fetch-")
	if err == nil {
		tmp, err = filepath.Abs(tmp)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	cmd := exec.Command(npm, "pack", "axe-core@4", "--pack-destination", tmp, "--loglevel=error")
	cmd.Dir = tmp
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm pack axe-core@4: %v\n%s", err, out)
	}
	tgz, _ := filepath.Glob(filepath.Join(tmp, "axe-core-*.tgz"))
	if len(tgz) != 1 {
		t.Fatalf("npm pack axe-core@4 gave %v", tgz)
	}
	src := extract(t, tgz[0], "package/axe.min.js")
	// Another run may be fetching at the same time: rename is atomic.
	part := filepath.Join(tmp, "axe.min.js")
	if err := os.WriteFile(part, src, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(part, cached); err != nil {
		t.Fatal(err)
	}
	t.Logf("fetched %s into %s", filepath.Base(tgz[0]), cached)
	return string(src)
}

// extract reads one file from a .tgz.
func extract(t *testing.T, tgz, name string) []byte {
	t.Helper()
	f, err := os.Open(tgz)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			t.Fatalf("%s has no %s", tgz, name)
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Name == name {
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
}

// failing reports whether a violation of that impact fails the audit:
// moderate, serious and critical do, and so does an impact axe does not
// name or a new one; only minor ones are logged.
func failing(impact string) bool { return impact != "minor" }

// axeViolation is one failed axe rule, with the elements that fail it.
type axeViolation struct {
	ID     string
	Impact string
	Help   string
	Nodes  []string
}

// audit runs axe-core on the page as it is and returns its violations. The
// page's CSP forbids inline scripts, so axe is evaluated through DevTools.
func (b *browser) audit(axe string) []axeViolation {
	b.t.Helper()
	var loaded bool
	b.eval(`typeof axe === 'object'`, &loaded)
	if !loaded {
		b.eval(axe+"\n;true", nil)
	}
	var out []axeViolation
	b.eval(`axe.run(document, {resultTypes: ['violations']}).then((r) => r.violations.map((v) => ({
		id: v.id, impact: v.impact, help: v.help,
		nodes: v.nodes.slice(0, 8).map((n) => n.target.join(' ') + ' — ' + (n.failureSummary || '').replace(/\s+/g, ' ')),
	})))`, &out)
	return out
}

// TestAccessibility runs axe-core (WCAG 2.x A/AA and best practices) on the
// organizer page, the join page, the accessibility statement, the privacy
// notice and a board with a realistic process map
// (lanes, steps, decisions, notes, arrows, goals, other people's cursors),
// with the facilitation panel open and again during a dot vote with the
// results open, at 1280×720 and 375×667. Any violation
// of impact moderate or above (moderate, serious, critical) fails the test,
// such as content outside the landmarks; minor ones are logged.
func TestAccessibility(t *testing.T) {
	start := time.Now()
	axe := axeSource(t)
	s := startServer(t)
	w := newWorkshop(t, s, true)
	b := newBrowser(t, "auditor", 1280, 720)
	audited := 0
	check := func(name string, v viewport) {
		audited++
		var bad []string
		for _, viol := range b.audit(axe) {
			line := fmt.Sprintf("%s [%s] %s\n      %s", viol.ID, viol.Impact, viol.Help, strings.Join(viol.Nodes, "\n      "))
			if failing(viol.Impact) {
				bad = append(bad, line)
			} else {
				t.Logf("%s at %s (not failing): %s", name, v, line)
			}
		}
		if len(bad) > 0 {
			t.Errorf("%s at %s: %d accessibility violations of impact moderate or above:\n  %s", name, v, len(bad), strings.Join(bad, "\n  "))
		}
	}
	// Every page links visibly to the accessibility statement and the
	// privacy notice, which the laws ask for.
	linked := func(name string, v viewport) {
		check(name, v)
		var ok bool
		b.eval(`['/tillganglighet', '/integritet'].every((href) => [...document.querySelectorAll('a[href="' + href + '"]')].some((a) => {
			const r = a.getBoundingClientRect(); const cs = getComputedStyle(a);
			return r.width > 0 && r.height > 0 && cs.visibility !== 'hidden' && a.offsetParent !== null;
		}))`, &ok)
		if !ok {
			t.Errorf("%s at %s: no visible link to /tillganglighet and /integritet", name, v)
		}
	}
	forEachPage(b, append(append(workshopPages(s, w, "facil"), statementPages(s)...), strategyPages(s, w)...), linked)

	// The board again during a dot vote (vote badges, + and − buttons, the
	// dots left, the banner), with the results tab open.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	fac, err := client.Dial(ctx, s.URL(), w.BoardID, w.Facilitator, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer fac.Close()
	if _, err := fac.Settings(ctx, map[string]any{"voting": map[string]any{"open": true, "dots": 3, "kinds": []string{"note", "step"}, "hidden": false}}); err != nil {
		t.Fatal(err)
	}
	for _, o := range fac.Objects() {
		if o.Kind == "note" && strings.HasPrefix(o.Text("text"), "Hinder") {
			for _, p := range w.peers {
				if _, err := p.Vote(ctx, o.ID, 1); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	forEachPage(b, []page{{"board during a vote", func(b *browser) {
		openBoard(b, s, w, "results")
		b.waitFor("the vote shown", `!document.querySelector('#dots').hidden && document.querySelectorAll('#canvas .vote-btn').length > 0 && document.querySelectorAll('#tabpanel-results li.result').length === 3`, 5*time.Second)
	}}}, check)

	if audited != len(viewports)*9 {
		t.Errorf("audited %d pages", audited)
	}
	t.Logf("done in %v", time.Since(start).Round(time.Millisecond))
}

// statementPages are the accessibility statement and the privacy notice.
func statementPages(s *testServer) []page {
	open := func(path string) func(b *browser) {
		return func(b *browser) {
			b.navigate(s.URL() + path)
			b.waitFor("the page", `document.querySelector('h1') !== null && document.querySelector('footer a[href="/integritet"]') !== null`, 5*time.Second)
		}
	}
	return []page{{"accessibility statement", open("/tillganglighet")}, {"privacy notice", open("/integritet")}}
}

// strategyPages are the revision page of the workshop's strategy and the
// cluster overview of Kronoberg, signed in as the organizer.
func strategyPages(s *testServer, w *workshop) []page {
	open := func(path, ready string) func(b *browser) {
		return func(b *browser) {
			b.navigate(s.URL() + "/")
			b.eval(fmt.Sprintf(`localStorage.setItem('processkarta.organizerKey', %s)`, jsq(organizerKey)), nil)
			b.navigate(s.URL() + path)
			b.waitFor("the page", ready, 10*time.Second)
			settle(b)
		}
	}
	return []page{
		{"revision", open("/s/"+w.Strategy, `document.querySelectorAll('#goals .goal-item').length > 0 && !document.querySelector('#rev').hidden`)},
		{"cluster", open("/k/Kronoberg", `document.querySelectorAll('#cl-body tr[data-strategy]').length === 1`)},
		{"admin", open("/admin", `!document.querySelector('#admin').hidden && document.querySelectorAll('#audit-list tbody tr').length > 0`)},
	}
}
