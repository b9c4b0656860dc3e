package web

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"regexp"
	"strings"
	"testing"
)

// TestPages checks that the pages the server serves exist and keep to the
// CSP: no inline scripts, no inline style attributes, and every local asset
// they reference is embedded.
func TestPages(t *testing.T) {
	f := FS()
	srcRe := regexp.MustCompile(`(?:src|href)="(/static/[^"]+)"`)
	for _, page := range []string{"index.html", "join.html", "board.html"} {
		b, err := fs.ReadFile(f, page)
		if err != nil {
			t.Fatalf("%s: %v", page, err)
		}
		s := string(b)
		if !strings.Contains(s, `<html lang="sv">`) {
			t.Errorf("%s: want lang=sv by default", page)
		}
		if regexp.MustCompile(`(?i)\sstyle\s*=`).MatchString(s) {
			t.Errorf("%s: has an inline style attribute (CSP style-src 'self')", page)
		}
		for _, m := range regexp.MustCompile(`(?is)<script([^>]*)>(.*?)</script>`).FindAllStringSubmatch(s, -1) {
			if !strings.Contains(m[1], "src=") || strings.TrimSpace(m[2]) != "" {
				t.Errorf("%s: inline script (CSP script-src 'self')", page)
			}
		}
		if regexp.MustCompile(`(?i)\son[a-z]+\s*=`).MatchString(s) {
			t.Errorf("%s: has an inline event handler", page)
		}
		for _, m := range srcRe.FindAllStringSubmatch(s, -1) {
			p := strings.TrimPrefix(m[1], "/static/")
			if _, err := fs.Stat(f, p); err != nil {
				t.Errorf("%s references %s, which is not embedded", page, m[1])
			}
		}
	}
}

// TestModuleImports checks that every relative import of every module
// resolves to an embedded file.
func TestModuleImports(t *testing.T) {
	f := FS()
	importRe := regexp.MustCompile(`(?m)^\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]`)
	err := fs.WalkDir(f, "js", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".js") {
			return err
		}
		b, err := fs.ReadFile(f, p)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte("setAttribute('style'")) || bytes.Contains(b, []byte(`setAttribute("style"`)) {
			t.Errorf("%s sets a style attribute (CSP)", p)
		}
		for _, m := range importRe.FindAllSubmatch(b, -1) {
			target := path.Join(path.Dir(p), string(m[1]))
			if _, err := fs.Stat(f, target); err != nil {
				t.Errorf("%s imports %s, which is not embedded", p, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestNodeUnitTests runs the client's unit tests (web/test/*.test.mjs) with
// Node.js, which must be installed (the test fails without it): the realtime client, undo, the QR encoder
// against known vectors, and the coverage of the language tables.
func TestNodeUnitTests(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node not found: install Node.js with `apt-get install nodejs` (make test does this)")
	}
	if _, err := os.Stat("test"); err != nil {
		t.Fatalf("web/test is missing: %v", err)
	}
	cmd := exec.Command(node, "--test", "test/")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test failed: %v\n%s", err, out)
	}
}
