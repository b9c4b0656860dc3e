package server_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

// fetchFile GETs path with a bearer and returns the status, content type,
// content disposition and body.
func fetchFile(t *testing.T, n *node, path, bearer string) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctxT(t), "GET", n.URL()+path, nil)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body
}

// TestMapFileExports downloads a process map as BPMN and as a diagrams.net
// file: facilitators and the organizer may, participants may not.
func TestMapFileExports(t *testing.T) {
	n := boltNode(t)
	b := newBoard(t, n, "process-map")
	j := join(t, n, b.JoinCode, "Per", "politician")
	for _, f := range []struct{ path, root, ext string }{
		{"/bpmn", "<bpmn:definitions", ".bpmn"},
		{"/drawio", "<mxfile", ".drawio"},
	} {
		for _, who := range []string{b.FacilitatorToken, testKey} {
			status, h, body := fetchFile(t, n, "/api/boards/"+b.ID+f.path, who)
			if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "application/xml") || !bytes.Contains(body, []byte(f.root)) ||
				!bytes.Contains(body, []byte("Fastighetskontoret")) {
				t.Fatalf("%s: %d %s\n%.300s", f.path, status, h.Get("Content-Type"), body)
			}
			if cd := h.Get("Content-Disposition"); !strings.Contains(cd, `filename="Goteborg - Processkartlaggning energi - `) || !strings.Contains(cd, f.ext+`";`) {
				t.Fatalf("%s: content disposition %s", f.path, cd)
			}
		}
		if status, _, body := fetchFile(t, n, "/api/boards/"+b.ID+f.path, j.Token); status != 403 || !bytes.Contains(body, []byte(`"forbidden"`)) {
			t.Fatalf("%s as a participant: %d %s", f.path, status, body)
		}
	}
}
