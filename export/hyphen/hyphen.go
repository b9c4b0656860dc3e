// Package hyphen says where Swedish words may be hyphenated. Its rules are
// data (sv.json), the one source that both the PDF export and the browser's
// canvas (which fetches the same file from GET /api/hyphenation and applies
// it with web/static/js/hyphen.js) use, so a word breaks in the same places
// on the projector as in the PDF. The examples in sv.json are checked by the
// tests of both sides.
package hyphen

import (
	_ "embed"
	"encoding/json"
	"slices"
	"strings"
	"unicode"
)

//go:embed sv.json
var svJSON []byte

// JSON returns the Swedish rules as stored, for serving to browsers.
func JSON() []byte { return svJSON }

// Rules are break rules for one language.
type Rules struct {
	MinLeft  int               `json:"minLeft"`
	MinRight int               `json:"minRight"`
	Vowels   string            `json:"vowels"`
	Together []string          `json:"together"`
	Parts    []string          `json:"parts"`
	Examples map[string]string `json:"examples"`
	parts    [][]rune
	together [][]rune
}

// Swedish holds the rules of sv.json.
var Swedish = mustParse(svJSON)

func mustParse(b []byte) *Rules {
	r := &Rules{}
	if err := json.Unmarshal(b, r); err != nil {
		panic("hyphen: sv.json: " + err.Error())
	}
	for _, p := range r.Parts {
		r.parts = append(r.parts, []rune(p))
	}
	for _, g := range r.Together {
		r.together = append(r.together, []rune(g))
	}
	return r
}

// Breaks are the places a word may be hyphenated, as rune offsets into
// it (a break at i puts runes [0, i) before the hyphen), ascending.
type Breaks struct {
	Joints    []int // where a compound's parts meet: the best places
	Syllables []int // every allowed break, joints included
}

// Word returns where word may be hyphenated. Punctuation around it
// ("(Fastighetskontoret?)") is not part of the word; a word written with
// hyphens ("energianvändning-rapport") may also break right after each of
// them, where no further hyphen is added (see Hyphen).
func (r *Rules) Word(word string) Breaks {
	w := []rune(word)
	var b Breaks
	start := 0
	for i := 0; i <= len(w); i++ {
		if i < len(w) && w[i] != '-' {
			continue
		}
		seg := r.segment(w[start:i])
		for _, j := range seg.Joints {
			b.Joints = append(b.Joints, start+j)
		}
		for _, j := range seg.Syllables {
			b.Syllables = append(b.Syllables, start+j)
		}
		if i < len(w) && i > 0 && i+1 < len(w) && unicode.IsLetter(w[i-1]) && unicode.IsLetter(w[i+1]) &&
			i+1 >= r.MinLeft && len(w)-i-1 >= r.MinRight {
			b.Joints = append(b.Joints, i+1)
			b.Syllables = append(b.Syllables, i+1)
		}
		start = i + 1
	}
	slices.Sort(b.Joints)
	slices.Sort(b.Syllables)
	return b
}

// Hyphen is what a line broken at i ends with: "-", or nothing when the
// word already has a hyphen there.
func Hyphen(word string, i int) string {
	w := []rune(word)
	if i > 0 && i <= len(w) && w[i-1] == '-' {
		return ""
	}
	return "-"
}

// segment returns the breaks of a part of a word between hyphens.
func (r *Rules) segment(w []rune) Breaks {
	lead, trail := 0, len(w)
	for lead < trail && !unicode.IsLetter(w[lead]) {
		lead++
	}
	for trail > lead && !unicode.IsLetter(w[trail-1]) {
		trail--
	}
	b := r.core(w[lead:trail])
	for i := range b.Joints {
		b.Joints[i] += lead
	}
	for i := range b.Syllables {
		b.Syllables[i] += lead
	}
	return b
}

// core returns the breaks of a word that begins and ends with a letter.
func (r *Rules) core(w []rune) Breaks {
	low := make([]rune, len(w))
	for i, c := range w {
		low[i] = unicode.ToLower(c)
	}
	var b Breaks
	n := len(w)
	if n < r.MinLeft+r.MinRight {
		return b
	}
	for _, c := range low {
		if !unicode.IsLetter(c) {
			return b // numbers, codes and words already hyphenated stay whole
		}
	}
	ok := func(i int) bool { return i >= r.MinLeft && n-i >= r.MinRight }
	// Where parts begin, even too near an end to break there ("ut|släpp"):
	// the syllable rule must not break such a cluster elsewhere.
	var parts []int
	for _, p := range r.parts {
		for i := 1; i+len(p) <= n; i++ {
			if slices.Equal(low[i:i+len(p)], p) {
				parts = append(parts, i)
				if ok(i) && !slices.Contains(b.Joints, i) {
					b.Joints = append(b.Joints, i)
				}
			}
		}
	}
	slices.Sort(b.Joints)
	vowel := func(i int) bool { return strings.ContainsRune(r.Vowels, low[i]) }
	all := slices.Clone(b.Joints)
	// Between two vowels, break before the last consonant, keeping the
	// groups that are one sound whole; a cluster that holds a joint breaks
	// there only.
	for i := 0; i < n; i++ {
		if !vowel(i) {
			continue
		}
		start := i + 1
		end := start
		for end < n && !vowel(end) {
			end++
		}
		if end == start || end == n {
			i = end - 1
			continue
		}
		hasJoint := false
		for _, j := range parts {
			if j >= start && j <= end {
				hasJoint = true
			}
		}
		if !hasJoint {
			at := end - 1
			for _, g := range r.together {
				for j := max(start, at-len(g)+1); j < at && j+len(g) <= end; j++ {
					if slices.Equal(low[j:j+len(g)], g) {
						if j > start {
							at = j
						} else {
							at = j + len(g)
						}
					}
				}
			}
			if ok(at) && !slices.Contains(all, at) {
				all = append(all, at)
			}
		}
		i = end - 1
	}
	slices.Sort(all)
	b.Syllables = all
	return b
}

// Mark writes word with "-" at its joints and "·" at its other breaks, the
// notation of the examples.
func (r *Rules) Mark(word string) string {
	b := r.Word(word)
	var sb strings.Builder
	w := []rune(word)
	for i, c := range w {
		if i > 0 && w[i-1] == '-' {
			// A break after the word's own hyphen needs no mark.
		} else if slices.Contains(b.Joints, i) {
			sb.WriteRune('-')
		} else if slices.Contains(b.Syllables, i) {
			sb.WriteRune('·')
		}
		sb.WriteRune(c)
	}
	return sb.String()
}
