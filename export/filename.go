package export

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/processkarta/processkarta/board"
)

// maxNameBytes keeps file names well within the 255 bytes most file
// systems allow, with room for a " (2)" a browser may add.
const maxNameBytes = 200

// FileName returns the PDF's file name, readable in UTF-8 and as an ASCII
// fallback for Content-Disposition's filename parameter, e.g.
// "Göteborg – Energi- och klimatstrategi 2026 – Målworkshop – 2026-11-26.pdf"
// and "Goteborg - Energi- och klimatstrategi 2026 - Malworkshop - 2026-11-26.pdf".
// The strategy may be nil; characters that file systems or the header
// forbid are left out, and a long board title is shortened.
func FileName(m board.Municipality, s *board.Strategy, boardTitle string, date time.Time) (utf8Name, ascii string) {
	muni := nameSafe(m.Name)
	if muni == "" {
		muni = nameSafe(m.Code)
	}
	var strategy string
	if s != nil {
		strategy = nameSafe(s.Title + " " + s.Revision)
	}
	title := nameSafe(boardTitle)
	day := ""
	if !date.IsZero() {
		day = isoDate(date)
	}
	build := func(sep string, conv func(string) string) string {
		var parts []string
		for _, p := range []string{muni, strategy, title} {
			if p = conv(p); p != "" {
				parts = append(parts, p)
			}
		}
		if day != "" {
			parts = append(parts, day)
		}
		if len(parts) == 0 {
			parts = []string{"processkarta"}
		}
		return strings.Join(parts, sep)
	}
	// Shorten the title, then the strategy, until the name fits.
	for _, p := range []*string{&title, &strategy, &muni} {
		for len(build(" – ", keep))+4 > maxNameBytes && *p != "" {
			*p = shorten(*p)
		}
	}
	return build(" – ", keep) + ".pdf", build(" - ", toASCII) + ".pdf"
}

func keep(s string) string { return s }

// shorten drops the last word of s, or its last character if it has one
// word, and ends it with an ellipsis.
func shorten(s string) string {
	s = strings.TrimSuffix(s, "…")
	if i := strings.LastIndexByte(s, ' '); i > 0 {
		s = s[:i]
	} else {
		_, n := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-n]
	}
	s = strings.TrimRight(s, " -–")
	if s == "" {
		return ""
	}
	return s + "…"
}

// nameSafe removes what file systems and the Content-Disposition header
// do not take: path separators, reserved punctuation, quotes, control
// characters; it collapses white space and trims dots.
func nameSafe(s string) string {
	s = strings.ToValidUTF8(s, "")
	var b strings.Builder
	for _, r := range s {
		switch {
		case strings.ContainsRune(`/\:*?"<>|`, r):
			b.WriteByte(' ')
		case unicode.IsControl(r) || r == 0xad || r == 0x200b || r == 0xfeff:
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return strings.Trim(strings.Join(strings.Fields(b.String()), " "), ". ")
}

// asciiFold spells letters of Swedish and its neighbours in ASCII.
var asciiFold = map[rune]string{
	'å': "a", 'ä': "a", 'à': "a", 'á': "a", 'â': "a", 'ã': "a", 'ā': "a",
	'Å': "A", 'Ä': "A", 'À': "A", 'Á': "A", 'Â': "A", 'Ã': "A", 'Ā': "A",
	'ö': "o", 'ó': "o", 'ò': "o", 'ô': "o", 'õ': "o", 'ø': "o", 'ő': "o",
	'Ö': "O", 'Ó': "O", 'Ò': "O", 'Ô': "O", 'Õ': "O", 'Ø': "O", 'Ő': "O",
	'é': "e", 'è': "e", 'ê': "e", 'ë': "e", 'ē': "e", 'ę': "e", 'ě': "e",
	'É': "E", 'È': "E", 'Ê': "E", 'Ë': "E", 'Ē': "E", 'Ę': "E", 'Ě': "E",
	'ü': "u", 'ú': "u", 'ù': "u", 'û': "u", 'ū': "u", 'ů': "u", 'ű': "u",
	'Ü': "U", 'Ú': "U", 'Ù': "U", 'Û': "U", 'Ū': "U", 'Ů': "U", 'Ű': "U",
	'í': "i", 'ì': "i", 'î': "i", 'ï': "i", 'ı': "i", 'Í': "I", 'Ì': "I", 'Î': "I", 'Ï': "I",
	'ý': "y", 'ÿ': "y", 'Ý': "Y", 'ñ': "n", 'ń': "n", 'ň': "n", 'Ñ': "N", 'Ń': "N", 'Ň': "N",
	'ç': "c", 'ć': "c", 'č': "c", 'Ç': "C", 'Ć': "C", 'Č': "C",
	'š': "s", 'ś': "s", 'ş': "s", 'Š': "S", 'Ś': "S", 'Ş': "S",
	'ž': "z", 'ź': "z", 'ż': "z", 'Ž': "Z", 'Ź': "Z", 'Ż': "Z",
	'ł': "l", 'Ł': "L", 'ř': "r", 'Ř': "R", 'ď': "d", 'Ď': "D", 'ť': "t", 'Ť': "T",
	'æ': "ae", 'Æ': "AE", 'œ': "oe", 'Œ': "OE", 'ß': "ss", 'ð': "d", 'Ð': "D", 'þ': "th", 'Þ': "Th",
	'–': "-", '—': "-", '‐': "-", '‑': "-", '−': "-", '…': "...",
	'‘': "'", '’': "'", '´': "'", '“': "", '”': "", '«': "", '»': "", '·': "-", '•': "-",
	'ﬁ': "fi", 'ﬂ': "fl", '§': "", '°': "", '²': "2", '³': "3", '½': "1-2", ' ': " ",
}

// toASCII folds s to printable ASCII; what has no spelling is left out. It
// also drops the characters that would need escaping in a quoted header
// value.
func toASCII(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '%' || r == '"' || r == '\\':
		case r < 0x80 && r >= 0x20 && r != 0x7f:
			b.WriteRune(r)
		default:
			b.WriteString(asciiFold[r])
		}
	}
	return strings.Trim(strings.Join(strings.Fields(b.String()), " "), ". -")
}
