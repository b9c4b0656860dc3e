package export

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The checks run the real tools a reader's machine or an archive would.
var pdfTools = []string{"qpdf", "pdffonts", "pdftotext", "pdfinfo"}

func needTools(t testing.TB) {
	t.Helper()
	for _, name := range pdfTools {
		if _, err := exec.LookPath(name); err != nil {
			t.Fatalf("%s not found: install poppler-utils and qpdf (make test does this)", name)
		}
	}
}

// run runs a tool and returns its standard output.
func run(t testing.TB, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatalf("%s: %v: install poppler-utils and qpdf (make test does this)", name, err)
		}
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out.String(), errb.String())
	}
	if name == "qpdf" && errb.Len() > 0 {
		t.Fatalf("qpdf %s warns:\n%s", strings.Join(args, " "), errb.String())
	}
	return out.String()
}

// checked is what the tools found in one PDF.
type checked struct {
	path  string
	pages int
	text  string // pdftotext -raw, whitespace collapsed
	info  string // pdfinfo
}

var spaces = regexp.MustCompile(`\s+`)

// checkPDF writes pdf to a file and runs every structural check on it:
// qpdf --check, every font embedded, the PDF/A identification in the XMP
// metadata, the document information; it returns the extracted text.
func checkPDF(t testing.TB, pdf []byte, name string) checked {
	return checkPDFText(t, pdf, name, true)
}

// checkPDFText is checkPDF that extracts the text of the last page only
// unless all is set; pdftotext takes most of the checking time.
func checkPDFText(t testing.TB, pdf []byte, name string, all bool) checked {
	t.Helper()
	needTools(t)
	if !bytes.HasPrefix(pdf, []byte("%PDF-1.")) {
		t.Fatalf("%s: not a PDF", name)
	}
	path := filepath.Join(t.TempDir(), name+".pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	c := checked{path: path}

	if out := run(t, "qpdf", "--check", path); !strings.Contains(out, "No syntax or stream encoding errors") {
		t.Errorf("%s: qpdf --check:\n%s", name, out)
	}

	fonts := run(t, "pdffonts", path)
	lines := strings.Split(strings.TrimSpace(fonts), "\n")
	if len(lines) < 3 {
		t.Errorf("%s: pdffonts lists no fonts:\n%s", name, fonts)
	}
	for _, l := range lines[min(2, len(lines)):] {
		f := strings.Fields(l)
		// name type... encoding emb sub uni object ID: emb is 5th from the end.
		if len(f) < 7 || f[len(f)-5] != "yes" {
			t.Errorf("%s: font not embedded: %s", name, l)
		}
		if f[len(f)-4] != "yes" || !regexp.MustCompile(`^[A-Z]{6}\+DejaVuSans`).MatchString(f[0]) {
			t.Errorf("%s: font not a tagged subset: %s", name, l)
		}
	}

	meta := run(t, "pdfinfo", "-meta", path)
	for _, want := range []string{"<pdfaid:part>2</pdfaid:part>", "<pdfaid:conformance>B</pdfaid:conformance>", "application/pdf"} {
		if !strings.Contains(meta, want) {
			t.Errorf("%s: XMP lacks %s", name, want)
		}
	}

	c.info = run(t, "pdfinfo", path)
	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)`).FindStringSubmatch(c.info)
	if m == nil {
		t.Fatalf("%s: pdfinfo shows no page count:\n%s", name, c.info)
	}
	c.pages, _ = strconv.Atoi(m[1])
	for _, field := range []string{"Title", "Author", "Subject", "Keywords", "Creator", "Producer", "CreationDate"} {
		if !regexp.MustCompile(`(?m)^` + field + `:\s+\S`).MatchString(c.info) {
			t.Errorf("%s: pdfinfo shows no %s:\n%s", name, field, c.info)
		}
		// The same values in XMP: the title, for one.
	}
	if title := infoField(c.info, "Title"); !strings.Contains(meta, ">"+title+"<") {
		t.Errorf("%s: XMP dc:title does not match the Title %q", name, title)
	}
	if author := infoField(c.info, "Author"); !strings.Contains(meta, "<rdf:li>"+author+"</rdf:li>") {
		t.Errorf("%s: XMP dc:creator does not match the Author %q", name, author)
	}
	if strings.Contains(c.info, "Encrypted:       yes") {
		t.Errorf("%s: encrypted", name)
	}

	args := []string{"-raw", "-enc", "UTF-8", path, "-"}
	if !all {
		args = append([]string{"-f", strconv.Itoa(c.pages), "-l", strconv.Itoa(c.pages)}, args...)
	}
	c.text = spaces.ReplaceAllString(run(t, "pdftotext", args...), " ")
	return c
}

func infoField(info, field string) string {
	m := regexp.MustCompile(`(?m)^` + field + `:\s+(.*)$`).FindStringSubmatch(info)
	if m == nil {
		return ""
	}
	return strings.TrimSpace(m[1])
}

// wantText fails unless every string is in the text.
func (c checked) wantText(t testing.TB, what string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(c.text, spaces.ReplaceAllString(w, " ")) {
			t.Errorf("%s: text lacks %q", what, w)
		}
	}
}

// wantOrder fails unless the strings appear in this order after the last
// occurrence of from (a section's heading, after its line in the contents).
func (c checked) wantOrder(t testing.TB, from string, want []string) {
	t.Helper()
	i := strings.LastIndex(c.text, from)
	if i < 0 {
		t.Errorf("text lacks %q", from)
		return
	}
	rest := c.text[i:]
	at := 0
	for _, w := range want {
		j := strings.Index(rest[at:], spaces.ReplaceAllString(w, " "))
		if j < 0 {
			t.Errorf("after %q: %q missing or out of order (want %q)", from, w, want)
			return
		}
		at += j + len(w)
	}
}

// pageSizes returns how many pages are A3 (the map) and how many A4.
func (c checked) pageSizes(t testing.TB) (a3, a4 int) {
	t.Helper()
	out := run(t, "pdfinfo", "-f", "1", "-l", strconv.Itoa(c.pages), c.path)
	for _, l := range regexp.MustCompile(`(?m)^Page\s+\d+ size:.*$`).FindAllString(out, -1) {
		switch {
		case strings.Contains(l, "1190.55 x 841.89"):
			a3++
		case strings.Contains(l, "595.28 x 841.89"), strings.Contains(l, "841.89 x 595.28"):
			a4++
		}
	}
	return a3, a4
}
