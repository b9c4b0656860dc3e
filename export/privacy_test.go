package export

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestNoNamesByDefault: a default export names nobody, neither in its
// text (pdftotext) nor in its metadata (pdfinfo and its XMP, pdfinfo
// -meta); its Author is the municipality; the participation table gathers
// the administrations of fewer than 3 people and says "färre än 3" for
// every cell of 1 or 2.
func TestNoNamesByDefault(t *testing.T) {
	t.Parallel()
	st := exampleBoard(t)
	pdf := render(t, st, options())
	c := checkPDF(t, pdf, "default")
	path := filepath.Join(t.TempDir(), "default.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	text := run(t, "pdftotext", "-raw", path, "-")
	meta := run(t, "pdfinfo", "-meta", path)
	info := run(t, "pdfinfo", path)
	for _, p := range st.Participants {
		for what, s := range map[string]string{"text": text, "XMP metadata": meta, "document info": info} {
			if strings.Contains(s, p.Name) {
				t.Errorf("the %s names %q", what, p.Name)
			}
		}
	}
	if m := regexp.MustCompile(`(?m)^Author:\s+(.*)$`).FindStringSubmatch(info); m == nil || strings.TrimSpace(m[1]) != "Göteborg" {
		t.Errorf("Author %q, want the municipality", m)
	}
	if !strings.Contains(meta, "<rdf:li>Göteborg</rdf:li>") {
		t.Error("the XMP creator is not the municipality")
	}
	// Göteborg Energi AB and "no administration" have one person each;
	// Kommunstyrelsen has 2 politicians.
	c.wantText(t, "participation", "Övriga förvaltningar", "färre än 3")
	table := c.text[strings.Index(c.text, "Per förvaltning"):]
	for _, small := range []string{"Göteborg Energi AB", "Ingen förvaltning angiven"} {
		if strings.Contains(table, small) {
			t.Errorf("the participation table names %q, an administration of 1 person", small)
		}
	}
	if regexp.MustCompile(`Kommunstyrelsen (2|färre än 3 0 0 0 2)`).MatchString(table) {
		t.Error("a count of 2 is printed")
	}

	opt := options()
	opt.Names = true
	named := checkPDF(t, render(t, st, opt), "named")
	named.wantText(t, "names", "Åsa Öberg", "Anna Lindqvist")
	if !strings.Contains(named.info, "Göteborg") || strings.Contains(named.info, "Åsa Öberg") {
		t.Errorf("with names, the Author is still the municipality:\n%s", named.info)
	}
}
