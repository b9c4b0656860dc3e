package e2e_test

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// maxScreenshot is the largest PNG the documentation may hold.
const maxScreenshot = 400 << 10

// TestScreenshots photographs the organizer page, the join page and a
// board holding a realistic Swedish process map at 1280×720 and 375×667,
// and checks each picture (size, dimensions). With
// PROCESSKARTA_SCREENSHOTS=1 it writes them to docs/screenshots/
// (<page>-<w>x<h>.png); otherwise they go to a temporary directory, so a
// normal run rewrites nothing.
func TestScreenshots(t *testing.T) {
	start := time.Now()
	dir := t.TempDir()
	if os.Getenv("PROCESSKARTA_SCREENSHOTS") == "1" {
		dir = filepath.Join("..", "..", "docs", "screenshots")
	}
	s := startServer(t)
	w := newWorkshop(t, s, true)
	b := newBrowser(t, "camera", 1280, 720)
	forEachPage(b, workshopPages(s, w, ""), func(name string, v viewport) {
		shot := b.screenshot()
		cfg, err := png.DecodeConfig(bytes.NewReader(shot))
		switch {
		case err != nil:
			t.Errorf("%s at %s: not a PNG: %v", name, v, err)
		case cfg.Width != v.W || cfg.Height != v.H:
			t.Errorf("%s at %s: the picture is %d×%d", name, v, cfg.Width, cfg.Height)
		case len(shot) >= maxScreenshot:
			t.Errorf("%s at %s: %d KB, want < %d KB", name, v, len(shot)>>10, maxScreenshot>>10)
		}
		file := filepath.Join(dir, name+"-"+v.String()+".png")
		if err := os.WriteFile(file, shot, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s (%d KB)", file, len(shot)>>10)
	})
	t.Logf("done in %v", time.Since(start).Round(time.Millisecond))
}
