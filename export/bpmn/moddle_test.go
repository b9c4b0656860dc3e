package bpmn

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// moddleDir holds the pinned bpmn-moddle (package.json, package-lock.json)
// and the script that reads a file with it.
const moddleDir = "testdata/moddle"

var moddleOnce struct {
	sync.Once
	err error
	out []byte
}

// installModdle runs `npm ci` in moddleDir unless node_modules already
// holds exactly what the lock file names.
func installModdle(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node not found: install Node.js and npm (`make deps`) so that the BPMN export is checked by bpmn-moddle")
	}
	moddleOnce.Do(func() {
		lock, err := os.ReadFile(filepath.Join(moddleDir, "package-lock.json"))
		if err != nil {
			moddleOnce.err = err
			return
		}
		installed, _ := os.ReadFile(filepath.Join(moddleDir, "node_modules", ".package-lock.json"))
		if len(installed) > 0 && sameLock(lock, installed) {
			return
		}
		npm, err := exec.LookPath("npm")
		if err != nil {
			moddleOnce.err = err
			return
		}
		cmd := exec.Command(npm, "ci", "--no-audit", "--no-fund", "--loglevel=error")
		cmd.Dir = moddleDir
		moddleOnce.out, moddleOnce.err = cmd.CombinedOutput()
	})
	if moddleOnce.err != nil {
		t.Fatalf("npm ci in %s: %v\n%s", moddleDir, moddleOnce.err, moddleOnce.out)
	}
}

// sameLock reports whether the installed packages are the locked ones.
func sameLock(lock, installed []byte) bool {
	var a, b struct {
		Packages map[string]struct{ Version, Integrity string } `json:"packages"`
	}
	if json.Unmarshal(lock, &a) != nil || json.Unmarshal(installed, &b) != nil {
		return false
	}
	for name, p := range a.Packages {
		if name == "" {
			continue
		}
		if q, ok := b.Packages[name]; !ok || q.Version != p.Version || q.Integrity != p.Integrity {
			return false
		}
	}
	return true
}

// moddleResult is what testdata/moddle/check.mjs prints.
type moddleResult struct {
	Warnings     []string       `json:"warnings"`
	Participants int            `json:"participants"`
	Lanes        int            `json:"lanes"`
	Tasks        int            `json:"tasks"`
	Gateways     int            `json:"gateways"`
	StartEvents  int            `json:"startEvents"`
	EndEvents    int            `json:"endEvents"`
	Flows        int            `json:"flows"`
	Annotations  int            `json:"annotations"`
	Associations int            `json:"associations"`
	Groups       int            `json:"groups"`
	Extensions   map[string]int `json:"extensions"`
	Shapes       int            `json:"shapes"`
	Edges        int            `json:"edges"`
	Names        []string       `json:"names"`
}

// readWithModdle reads a BPMN document with bpmn-moddle.
func readWithModdle(t *testing.T, doc []byte) moddleResult {
	t.Helper()
	installModdle(t)
	f := filepath.Join(t.TempDir(), "board.bpmn")
	if err := os.WriteFile(f, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", "check.mjs", f)
	cmd.Dir = moddleDir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("bpmn-moddle: %v\n%s", err, stderr.Bytes())
	}
	var r moddleResult
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("bpmn-moddle printed %q: %v", out, err)
	}
	return r
}
