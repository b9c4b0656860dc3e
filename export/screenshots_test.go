package export

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// TestScreenshots renders the pages of the realistic example and of the
// large, tiled board to PNG and checks their size. Only with
// PROCESSKARTA_SCREENSHOTS set does it store them under docs/screenshots,
// for people to look at; otherwise they go to a temporary folder:
//
//	PROCESSKARTA_SCREENSHOTS=1 go test -run TestScreenshots ./export/
func TestScreenshots(t *testing.T) {
	needTools(t)
	if _, err := exec.LookPath("pdftoppm"); err != nil {
		t.Fatal("pdftoppm not found: install poppler-utils and qpdf (make test does this)")
	}
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "out")
	if os.Getenv("PROCESSKARTA_SCREENSHOTS") != "" {
		dir = filepath.Join("..", "docs", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	shoot := func(pdf []byte, name string, pages ...int) {
		path := filepath.Join(tmp, name+".pdf")
		if err := os.WriteFile(path, pdf, 0o644); err != nil {
			t.Fatal(err)
		}
		for i, p := range pages {
			out := filepath.Join(tmp, name+strconv.Itoa(i))
			run(t, "pdftoppm", "-r", "60", "-png", "-singlefile", "-f", strconv.Itoa(p), "-l", strconv.Itoa(p), path, out)
			dst := filepath.Join(dir, name+"-"+strconv.Itoa(i+1)+".png")
			b, err := os.ReadFile(out + ".png")
			if err != nil {
				t.Fatal(err)
			}
			if len(b) < 10<<10 || len(b) > 300<<10 {
				t.Errorf("%s is %d KB; a page is between 10 and 300 KB", dst, len(b)>>10)
			}
			if err := os.WriteFile(dst, b, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %s (%d KB)", dst, len(b)>>10)
		}
	}
	shoot(render(t, exampleBoard(t), options()), "export-example", 1, 2, 3, 4)
	large, _ := largeBoard(t)
	shoot(render(t, large, options()), "export-tiled", 2, 3)
}
