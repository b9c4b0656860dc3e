package interchange

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// maxExamples is how many names a warning lists before it says "and N more".
const maxExamples = 3

// Warnings collects what an import could not carry over, one line per kind
// of loss, so a file with 200 data objects gives one warning, not 200.
type Warnings struct {
	order []string
	items map[string]*warning
}

type warning struct {
	count    int
	examples []string
}

// Add records one instance of the loss msg; example names it ("'Invoice'",
// an element id), or is empty.
func (w *Warnings) Add(msg, example string) {
	if w.items == nil {
		w.items = map[string]*warning{}
	}
	it := w.items[msg]
	if it == nil {
		it = &warning{}
		w.items[msg] = it
		w.order = append(w.order, msg)
	}
	it.count++
	if example != "" && len(it.examples) < maxExamples {
		it.examples = append(it.examples, example)
	}
}

// Len is the number of distinct warnings.
func (w *Warnings) Len() int { return len(w.order) }

// List returns the warnings as sentences, in the order first seen.
func (w *Warnings) List() []string {
	out := make([]string, 0, len(w.order))
	for _, msg := range w.order {
		it := w.items[msg]
		s := msg
		if it.count > 1 {
			s = fmt.Sprintf("%s (%d times)", msg, it.count)
		}
		if len(it.examples) > 0 {
			s += ": " + strings.Join(it.examples, ", ")
			if more := it.count - len(it.examples); more > 0 {
				s += fmt.Sprintf(" and %d more", more)
			}
		}
		out = append(out, s)
	}
	return out
}

// Name quotes a label for a warning, shortened, or falls back to the
// element's id.
func Name(text, key string) string {
	text = strings.Join(strings.Fields(text), " ")
	if text == "" {
		if key == "" {
			return ""
		}
		return "#" + shorten(key, 40)
	}
	return "'" + shorten(text, 40) + "'"
}

func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
