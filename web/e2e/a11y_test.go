package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/processkarta/processkarta/server/client"
)

// axeOnce installs the pinned axe-core (package.json and package-lock.json
// beside this file) once per test binary.
var axeOnce struct {
	sync.Once
	src string
	err error
}

// axeSource returns axe.min.js of the axe-core version package-lock.json
// pins, installed with `npm ci` into web/e2e/node_modules (ignored by git)
// unless it holds that version already.
func axeSource(t *testing.T) string {
	t.Helper()
	axeOnce.Do(func() {
		path := filepath.Join("node_modules", "axe-core", "axe.min.js")
		if !axeInstalled() {
			npm, err := exec.LookPath("npm")
			if err != nil {
				axeOnce.err = fmt.Errorf("npm not found: install Node.js and npm (`apt-get install nodejs npm`; make test does this) so that the accessibility test can install axe-core")
				return
			}
			cmd := exec.Command(npm, "ci", "--no-audit", "--no-fund", "--loglevel=error")
			if out, err := cmd.CombinedOutput(); err != nil {
				axeOnce.err = fmt.Errorf("npm ci in web/e2e: %v\n%s", err, out)
				return
			}
		}
		b, err := os.ReadFile(path)
		if err == nil && len(b) < 100_000 {
			err = fmt.Errorf("%s is only %d bytes", path, len(b))
		}
		axeOnce.src, axeOnce.err = string(b), err
	})
	if axeOnce.err != nil {
		t.Fatal(axeOnce.err)
	}
	return axeOnce.src
}

// axeInstalled reports whether node_modules holds the locked axe-core.
func axeInstalled() bool {
	var lock, installed struct {
		Packages map[string]struct{ Version, Integrity string } `json:"packages"`
	}
	a, err1 := os.ReadFile("package-lock.json")
	b, err2 := os.ReadFile(filepath.Join("node_modules", ".package-lock.json"))
	if err1 != nil || err2 != nil || json.Unmarshal(a, &lock) != nil || json.Unmarshal(b, &installed) != nil {
		return false
	}
	want, have := lock.Packages["node_modules/axe-core"], installed.Packages["node_modules/axe-core"]
	return want.Version != "" && want == have
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
