package export

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"html/template"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/processkarta/processkarta/board"
)

//go:embed html/report.html html/report.css
var reportFiles embed.FS

var (
	reportTmpl = template.Must(template.ParseFS(reportFiles, "html/report.html"))
	reportCSS  = func() string {
		b, err := reportFiles.ReadFile("html/report.css")
		if err != nil {
			panic(err)
		}
		return string(b)
	}()
)

// ReportStyleHash is the CSP source ('sha256-…') that allows the report's
// stylesheet, which stands in the page.
func ReportStyleHash() string { return StyleHash(reportCSS) }

// StyleHash is the CSP hash source of an inline stylesheet's text.
func StyleHash(css string) string {
	sum := sha256.Sum256([]byte(css))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// html renders the report.
func (d *htmlDoc) html(lab *labels) []byte {
	d.Style = template.CSS(reportCSS)
	d.Skip, d.Contents = lab.htmlSkip, lab.contents
	for i := range d.Sections {
		s := &d.Sections[i]
		if s.Table != nil {
			s.Table.Label = s.H2
		}
		for j := range s.Subs {
			if s.Subs[j].Table != nil {
				s.Subs[j].Table.Label = s.Subs[j].H3
			}
		}
	}
	var b bytes.Buffer
	if err := reportTmpl.Execute(&b, d); err != nil {
		panic(fmt.Sprintf("export: report template: %v", err))
	}
	return b.Bytes()
}

// ErrNoReport is returned by ReportHTML for a PDF that holds no HTML
// report: one made before reports were kept in the file.
var ErrNoReport = errors.New("export: the PDF holds no HTML report")

// ReportHTML returns the HTML report kept in a PDF that Render or
// RenderRevision made; ErrNoReport if it holds none (or is no such PDF).
func ReportHTML(pdf []byte) ([]byte, error) {
	h, err := privateData(pdf)
	if err != nil {
		return nil, ErrNoReport
	}
	return h, nil
}

// mapSVG draws the map as an SVG image; its text alternative is the text
// before it (aria-describedby) and a short title.
func (r *renderer) mapSVG(id string, d mapDesc) template.HTML {
	m := r.m
	bb := m.bbox
	var b strings.Builder
	num := func(f float64) string { return fmt.Sprintf("%.0f", f) }
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="%s %s %s %s" role="img" aria-labelledby="%s-title" aria-describedby="%s-text" focusable="false">`,
		num(bb.x), num(bb.y), num(bb.w), num(bb.h), id, id)
	fmt.Fprintf(&b, `<title id="%s-title">%s</title>`, id, html.EscapeString(d.intro(r.lab)))
	fmt.Fprintf(&b, `<defs><marker id="%s-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="%s"/></marker></defs>`, id, hexColor(colLink))
	label := func(x, y, w float64, s string, bold bool, c rgb) {
		s = oneLine(strings.SplitN(s, "\n", 2)[0])
		if s == "" {
			return
		}
		// About 8 px a character at 14 px: cut what would not fit.
		if n := int(w / 8); n > 1 && utf8.RuneCountInString(s) > n {
			s = string([]rune(s)[:n-1]) + "…"
		}
		weight := ""
		if bold {
			weight = ` font-weight="bold"`
		}
		fmt.Fprintf(&b, `<text x="%s" y="%s" font-size="14" text-anchor="middle"%s fill="%s">%s</text>`, num(x), num(y), weight, hexColor(c), html.EscapeString(s))
	}
	for _, l := range m.lanes {
		fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s" stroke="%s"/>`, num(l.band.x), num(l.band.y), num(l.band.w), num(l.band.h), hexColor(laneFill(l)), hexColor(l.color.darker(0.2)))
		fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s"/>`, num(l.band.x), num(l.band.y), num(laneHeader), num(l.band.h), hexColor(l.color))
		label(l.band.x+laneHeader/2, l.band.cy(), laneHeader-16, laneTitle(l, r.lab), true, textOn(l.color))
	}
	for _, it := range m.items {
		if it.kind == board.KindFrame {
			fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s" fill="none" stroke="%s" stroke-width="2" stroke-dasharray="10 6"/>`, num(it.r.x), num(it.r.y), num(it.r.w), num(it.r.h), hexColor(it.line))
			label(it.r.cx(), it.r.y+22, it.r.w-16, it.text, true, colInk)
		}
	}
	for _, l := range m.links {
		ax, ay, bx, by := l.from.r.cx(), l.from.r.cy(), l.to.r.cx(), l.to.r.cy()
		dx, dy := bx-ax, by-ay
		if math.Hypot(dx, dy) < 1 {
			continue
		}
		t0, t1 := clipT(l.from, dx, dy), 1-clipT(l.to, -dx, -dy)
		if t1-t0 <= 0.001 {
			continue
		}
		fmt.Fprintf(&b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2" marker-end="url(#%s-arrow)"/>`,
			num(ax+dx*t0), num(ay+dy*t0), num(ax+dx*t1), num(ay+dy*t1), hexColor(colLink), id)
	}
	for _, it := range m.items {
		x, y, w, h := it.r.x, it.r.y, it.r.w, it.r.h
		fill, line := hexColor(it.fill), hexColor(it.line)
		switch it.kind {
		case board.KindFrame:
			continue
		case board.KindDecision:
			fmt.Fprintf(&b, `<polygon points="%s,%s %s,%s %s,%s %s,%s" fill="%s" stroke="%s" stroke-width="1.5"/>`,
				num(x+w/2), num(y), num(x+w), num(y+h/2), num(x+w/2), num(y+h), num(x), num(y+h/2), fill, line)
			label(it.r.cx(), it.r.cy()+5, w*0.6, it.text, false, textOn(it.fill))
		case board.KindEvent:
			sw := "1.5"
			if it.thick {
				sw = "5"
			}
			fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="%s" fill="%s" stroke="%s" stroke-width="%s"/>`, num(it.r.cx()), num(it.r.cy()), num(w/2), fill, line, sw)
			lb := it.labelBox()
			label(lb.cx(), lb.y+16, lb.w, it.text, false, colInk)
		default:
			rad := "0"
			if it.shape == shapeRound {
				rad = num(math.Min(10, math.Min(w, h)/4))
			}
			fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s" rx="%s" fill="%s" stroke="%s" stroke-width="1.5"/>`, num(x), num(y), num(w), num(h), rad, fill, line)
			label(it.r.cx(), it.r.cy()+5, w-16, it.text, it.kind == board.KindGoal, textOn(it.fill))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func hexColor(c rgb) string { return fmt.Sprintf("#%02x%02x%02x", c.r&0xff, c.g&0xff, c.b&0xff) }
