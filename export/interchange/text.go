package interchange

import (
	"html"
	"strings"
	"unicode/utf8"
)

// CleanText makes s fit a board text prop of at most max characters:
// carriage returns and other control characters (but newline and tab) go,
// as do spaces at the ends of lines (a board does not indent) and runs of
// blank lines. It reports
// whether the text had to be shortened.
func CleanText(s string, max int) (string, bool) {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\r':
			b.WriteByte('\n')
		case r == '\u00a0':
			b.WriteByte(' ')
		case r < 0x20 && r != '\n' && r != '\t', r == 0x7f, r >= 0x80 && r < 0xa0:
		default:
			b.WriteRune(r)
		}
	}
	lines := strings.Split(b.String(), "\n")
	out := lines[:0]
	blank := 0
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if strings.TrimSpace(l) == "" {
			blank++
			if blank > 1 {
				continue
			}
			l = ""
		} else {
			blank = 0
		}
		out = append(out, l)
	}
	s = strings.Trim(strings.Join(out, "\n"), "\n ")
	if utf8.RuneCountInString(s) <= max {
		return s, false
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:max-1])) + "…", true
}

// blockTags end a line when they open or close.
var blockTags = map[string]bool{
	"br": true, "div": true, "p": true, "li": true, "ul": true, "ol": true, "tr": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "table": true, "hr": true,
}

// HTMLText reduces an HTML label, as diagrams.net writes them, to plain
// text: line-breaking tags become newlines, other tags go, entities are
// decoded. It is no HTML parser and need not be one: the label is shown as
// text, never as markup.
func HTMLText(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			b.WriteString(html.UnescapeString(collapse(s)))
			break
		}
		b.WriteString(html.UnescapeString(collapse(s[:i])))
		s = s[i:]
		j := strings.IndexByte(s, '>')
		if j < 0 {
			// A lone "<" is text.
			b.WriteString(html.UnescapeString(collapse(s)))
			break
		}
		tag := strings.ToLower(strings.TrimLeft(s[1:j], "/ "))
		if k := strings.IndexAny(tag, " \t\n/"); k >= 0 {
			tag = tag[:k]
		}
		if blockTags[tag] {
			b.WriteByte('\n')
		}
		s = s[j+1:]
	}
	// Block tags nest (<div>a<br></div><div>b</div>): one line break
	// however many tags end a line.
	var lines []string
	for _, l := range strings.Split(b.String(), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	out, _ := CleanText(strings.Join(lines, "\n"), 1<<30)
	return out
}

// collapse folds runs of white space to one space, as a browser shows HTML
// text.
func collapse(s string) string {
	if !strings.ContainsAny(s, "\n\t\r  ") {
		return s
	}
	var b strings.Builder
	space := false
	for _, r := range s {
		if r == ' ' || r == '\n' || r == '\t' || r == '\r' {
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}
