package e2e_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/processkarta/processkarta/server"
)

// TestEraseMeFromTheMenu: a participant opens the board menu, chooses
// "Ta bort mig och mitt namn", confirms in the dialog (which the axe
// audit finds clean), and lands on the join page with a message; the
// board no longer lists them.
func TestEraseMeFromTheMenu(t *testing.T) {
	axe := axeSource(t)
	s := startServer(t)
	w := newWorkshop(t, s, false)
	b := newBrowser(t, "participant", 1280, 720)
	b.joinByForm(s.URL(), w.JoinCode, "Greta Raderasson", "Raderingsförvaltningen", "Politiker")

	b.click("#btn-menu")
	b.waitFor("the menu open", `!document.querySelector('#board-menu').hidden && document.querySelector('#btn-menu').getAttribute('aria-expanded') === 'true'`, 5*time.Second)
	privacyShot(t, b, "menu")
	b.click("#erase-me")
	b.waitFor("the confirm dialog", `document.querySelector('dialog[open] #erase-title') !== null`, 5*time.Second)
	privacyShot(t, b, "erase-dialog")
	for _, v := range b.audit(axe) {
		if failing(v.Impact) {
			t.Errorf("the erase dialog: %s [%s] %s %v", v.ID, v.Impact, v.Help, v.Nodes)
		}
	}
	b.eval(`[...document.querySelectorAll('dialog[open] button')].find((x) => x.textContent === 'Ta bort mig').click()`, nil)
	b.waitFor("the join page with the message", `location.pathname === '/join' && document.body.innerText.includes('ditt namn är raderat')`, 10*time.Second)

	var got struct {
		Participants []struct{ Name string } `json:"participants"`
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.api.Do(ctx, "GET", "/api/boards/"+w.BoardID, organizerKey, nil, &got); err != nil {
		t.Fatal(err)
	}
	for _, p := range got.Participants {
		if strings.Contains(p.Name, "Greta") {
			t.Fatalf("still listed: %+v", got.Participants)
		}
	}
}

// privacyShot writes a screenshot to $PROCESSKARTA_SHOTS (when set) for a
// person to look at.
func privacyShot(t *testing.T, b *browser, name string) {
	dir := os.Getenv("PROCESSKARTA_SHOTS")
	if dir == "" {
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), b.screenshot(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestStatementPagesAccessible audits the accessibility statement and the
// privacy notice at every viewport on their own (TestAccessibility audits
// them with the other pages too), and checks that they carry the
// operator's contact address and the retention period.
func TestStatementPagesAccessible(t *testing.T) {
	axe := axeSource(t)
	s := startServer(t, func(c *server.Config) { c.ContactEmail = "dataskydd@vaxjo.example"; c.RetentionDays = 365 })
	b := newBrowser(t, "reader", 1280, 720)
	for _, v := range viewports {
		b.setViewport(v)
		for _, p := range statementPages(s) {
			p.Open(b)
			for _, viol := range b.audit(axe) {
				if failing(viol.Impact) {
					t.Errorf("%s at %s: %s [%s] %s %v", p.Name, v, viol.ID, viol.Impact, viol.Help, viol.Nodes)
				}
			}
			text := b.str(`document.body.innerText`)
			if !strings.Contains(text, "dataskydd@vaxjo.example") {
				t.Errorf("%s: no contact address", p.Name)
			}
			if p.Name == "privacy notice" && !strings.Contains(text, "365 dagar") {
				t.Errorf("%s: no retention period", p.Name)
			}
			if p.Name == "accessibility statement" && !strings.Contains(text, "digg.se/tdosanmalan") {
				t.Errorf("%s: no way to DIGG", p.Name)
			}
			privacyShot(t, b, strings.ReplaceAll(p.Name, " ", "-")+"-"+v.String())
		}
	}
}
