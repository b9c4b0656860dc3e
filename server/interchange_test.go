package server_test

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
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

// postMap POSTs a file to /api/boards/import as XML and returns the status
// and the decoded answer.
func postMap(t *testing.T, n *node, query string, body io.Reader) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctxT(t), "POST", n.URL()+"/api/boards/import?"+query, body)
	if s, ok := body.(*sizedReader); ok {
		req.ContentLength = s.n
	}
	req.Header.Set("Content-Type", "application/xml")
	req.Header.Set("Authorization", "Bearer "+testKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("status %d: %v", resp.StatusCode, err)
	}
	return resp.StatusCode, out
}

func readFixture(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestImportMapFiles makes boards from a modeller's BPMN file and from a
// diagrams.net file over HTTP: 201 like POST /api/boards, the warnings, the
// lanes and arrows on the board; page picks a page; bad queries and files
// get a clear error and store nothing.
func TestImportMapFiles(t *testing.T) {
	n := boltNode(t)
	ctx := ctxT(t)
	if err := n.api.EnsureMunicipality(ctx, "1480"); err != nil {
		t.Fatal(err)
	}
	status, out := postMap(t, n, "municipality=1480", bytes.NewReader(readFixture(t, "../export/bpmn/testdata/camunda-invoice.bpmn")))
	if status != 201 || out["title"] != "Invoice Receipt" || out["facilitatorToken"] == "" || out["joinCode"] == "" {
		t.Fatalf("BPMN import: %d %v", status, out)
	}
	if ws, _ := out["warnings"].([]any); len(ws) != 1 || !strings.Contains(ws[0].(string), "Financial Accounting System") {
		t.Fatalf("warnings: %v", out["warnings"])
	}
	var b struct {
		Template string
		Objects  []map[string]any
	}
	if err := n.api.Do(ctx, "GET", "/api/boards/"+out["id"].(string), testKey, nil, &b); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, o := range b.Objects {
		kinds[o["kind"].(string)]++
	}
	if b.Template != "process-map" || kinds["lane"] != 3 || kinds["step"] != 5 || kinds["decision"] != 2 || kinds["event"] != 3 || kinds["link"] != 10 {
		t.Fatalf("board: %s %v", b.Template, kinds)
	}
	// The board exports again, to the same map.
	status2, _, bpmnDoc := fetchFile(t, n, "/api/boards/"+out["id"].(string)+"/bpmn", out["facilitatorToken"].(string))
	if status2 != 200 || !bytes.Contains(bpmnDoc, []byte(`name="Approve Invoice"`)) {
		t.Fatalf("export: %d", status2)
	}

	status, out = postMap(t, n, "municipality=1480&title=Inköp&page=2", bytes.NewReader(readFixture(t, "../export/drawio/testdata/bpmn-example-two-pages.drawio")))
	if status != 201 || out["title"] != "Inköp" {
		t.Fatalf("draw.io import: %d %v", status, out)
	}
	if ws, _ := out["warnings"].([]any); len(ws) == 0 || !strings.Contains(ws[0].(string), "page 2 was imported") {
		t.Fatalf("warnings: %v", out["warnings"])
	}

	// Without a title of its own, a page named as diagrams.net names
	// pages gives its name to nothing: the file's name is the title.
	status, out = postMap(t, n, "municipality=1480&name=Flöde", bytes.NewReader(readFixture(t, "../export/drawio/testdata/swimlanes.drawio")))
	if status != 201 || out["title"] != "Flöde" {
		t.Fatalf("draw.io import named after the file: %d %v", status, out)
	}

	var before []any
	if err := n.api.Do(ctx, "GET", "/api/boards?municipality=1480", testKey, nil, &before); err != nil {
		t.Fatal(err)
	}
	swim := readFixture(t, "../export/drawio/testdata/swimlanes.drawio")
	for _, tc := range []struct {
		query  string
		body   []byte
		status int
		code   string
		msg    string
	}{
		{"municipality=9999", swim, 404, "not_found", "no municipality"},
		{"municipality=1480&page=0", swim, 400, "invalid", "page must be"},
		{"municipality=1480&page=3", swim, 400, "invalid", "the file has 1 pages; page 3 does not exist"},
		{"municipality=1480&strategy=nope", swim, 404, "not_found", "no strategy"},
		{"municipality=1480", []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`), 400, "invalid", "neither BPMN 2.0 nor a diagrams.net file: its root element is <svg>"},
		{"municipality=1480", []byte("not xml"), 400, "invalid", "holds no XML element"},
	} {
		status, out := postMap(t, n, tc.query, bytes.NewReader(tc.body))
		e, _ := out["error"].(map[string]any)
		if status != tc.status || e["code"] != tc.code || !strings.Contains(e["message"].(string), tc.msg) {
			t.Errorf("%s: %d %v, want %d %s %q", tc.query, status, out, tc.status, tc.code, tc.msg)
		}
	}
	var after []any
	if err := n.api.Do(ctx, "GET", "/api/boards?municipality=1480", testKey, nil, &after); err != nil || len(after) != len(before) {
		t.Fatalf("refused imports stored boards: %d before, %d after (%v)", len(before), len(after), err)
	}
}

// TestImportHostileFiles sends files made to hurt a parser: each is
// refused with a clear error, quickly, with little memory, and nothing is
// stored.
func TestImportHostileFiles(t *testing.T) {
	n := boltNode(t)
	if err := n.api.EnsureMunicipality(ctxT(t), "1480"); err != nil {
		t.Fatal(err)
	}
	const bpmnNS = `xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"`
	laughs := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">` +
		`<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">`
	for i := 2; i <= 9; i++ {
		laughs += fmt.Sprintf(`<!ENTITY lol%d "%s">`, i, strings.Repeat(fmt.Sprintf("&lol%d;", i-1), 10))
	}
	laughs += `]><definitions ` + bpmnNS + `><process name="&lol9;"/></definitions>`
	// A compressed page that unpacks to 200 MB: one compressed megabyte of
	// zeros, repeated (deflate blocks follow one another), then the end.
	var chunk bytes.Buffer
	fw, _ := flate.NewWriter(&chunk, flate.BestCompression)
	fw.Write(make([]byte, 1<<20))
	fw.Flush()
	one := bytes.Clone(chunk.Bytes())
	chunk.Reset()
	fw.Close()
	bomb := append(bytes.Repeat(one, 200), chunk.Bytes()...)
	const MB = 1 << 20
	var sent50 *countingReader
	for _, tc := range []struct {
		name   string
		body   func() io.Reader
		status int
		msg    string
		alloc  uint64 // bytes the server may allocate, at most
	}{
		{"billion laughs", func() io.Reader { return strings.NewReader(laughs) }, 400, "line 1: the file declares a document type or entities (<!DOCTYPE…>); such files are refused", 1 * MB},
		{"external entity", func() io.Reader {
			return strings.NewReader(`<?xml version="1.0"?>` + "\n" + `<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><definitions ` + bpmnNS + `>&xxe;</definitions>`)
		}, 400, "line 2: the file declares a document type", 1 * MB},
		{"undeclared entity", func() io.Reader {
			return strings.NewReader(`<definitions ` + bpmnNS + "><process>\n&xxe;</process></definitions>")
		}, 400,
			"line 2: the BPMN file is not well-formed XML: invalid character entity &xxe;", 1 * MB},
		{"50 MB", func() io.Reader {
			sent50 = &countingReader{r: io.MultiReader(strings.NewReader("<mxfile><diagram>"), io.LimitReader(repeatReader("<a/>"), 50*MB))}
			return sent50
		}, 413, "the file is over 10 MB", 64 * MB},
		{"50 MB, announced", func() io.Reader { return &sizedReader{io.LimitReader(repeatReader("<a/>"), 50*MB), 50 * MB} }, 413, "the file is over 10 MB", 1 * MB},
		{"10,000-deep nesting", func() io.Reader {
			return strings.NewReader(`<definitions ` + bpmnNS + `>` + strings.Repeat("<a>", 10000) + strings.Repeat("</a>", 10000) + `</definitions>`)
		}, 400, "nests elements more than 64 deep", 2 * MB},
		{"broken base64", func() io.Reader {
			return strings.NewReader(`<mxfile><diagram name="Sida 1">7V1bd5s4EP41fuwek!!!not*base64</diagram></mxfile>`)
		}, 400, "page 1 ('Sida 1') is compressed, but its content is not valid base64 (at character 17)", 1 * MB},
		{"deflate bomb", func() io.Reader {
			return strings.NewReader(`<mxfile><diagram name="Sida 1">` + base64.StdEncoding.EncodeToString(bomb) + `</diagram></mxfile>`)
		}, 413, "page 1 ('Sida 1') unpacks to more than 10 MB", 64 * MB},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m0, m1 runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&m0)
			start := time.Now()
			status, out := postMap(t, n, "municipality=1480", tc.body())
			took := time.Since(start)
			runtime.ReadMemStats(&m1)
			e, _ := out["error"].(map[string]any)
			msg, _ := e["message"].(string)
			if status != tc.status || !strings.Contains(msg, tc.msg) {
				t.Fatalf("%d %v, want %d %q", status, out, tc.status, tc.msg)
			}
			alloc := m1.TotalAlloc - m0.TotalAlloc
			t.Logf("refused in %v, %.1f MB allocated: %s", took.Round(time.Millisecond), float64(alloc)/MB, msg)
			if took > raceSlowdown*2*time.Second {
				t.Errorf("took %v", took)
			}
			if raceSlowdown > 1 {
				tc.alloc *= 2 // the race detector's bookkeeping allocates too
			}
			if alloc > tc.alloc {
				t.Errorf("allocated %.1f MB, more than %.0f MB", float64(alloc)/MB, float64(tc.alloc)/MB)
			}
		})
	}
	// The server stopped reading the 50 MB soon after its limit (the rest
	// is what the sockets' buffers took).
	if sent := sent50.n.Load(); sent > 16*MB {
		t.Errorf("the client sent %.1f MB of the 50 MB file before the server refused it", float64(sent)/MB)
	}
	var boards []any
	if err := n.api.Do(ctxT(t), "GET", "/api/boards?municipality=1480", testKey, nil, &boards); err != nil || len(boards) != 0 {
		t.Fatalf("boards stored: %v %v", boards, err)
	}
}

// countingReader counts the bytes read from it. The count is atomic: the
// HTTP transport may still be reading the body in its own goroutine when
// the answer has come and the test looks.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// sizedReader is a body whose length the request announces.
type sizedReader struct {
	io.Reader
	n int64
}

func (s *sizedReader) Len() int { return int(s.n) }

// repeatReader repeats s without end.
type repeatReader string

func (r repeatReader) Read(p []byte) (int, error) {
	if len(p) < len(r) {
		return copy(p, r), nil
	}
	n := copy(p, r)
	for n < len(p) {
		n += copy(p[n:], p[:n])
	}
	return n, nil
}
