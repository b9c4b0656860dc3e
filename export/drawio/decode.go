package drawio

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/export/interchange"
)

// defaultPageName matches the names diagrams.net gives pages ("Page-1"),
// which make no board title.
var defaultPageName = regexp.MustCompile(`^(Page|Sida|Seite|Page) ?-?[0-9]+$`)

// cell is one mxCell of a page, with what its <object> wrapper says.
type cell struct {
	id, parent     string
	label          string
	style          map[string]string
	shape          string // the style's shape: its first bare word or shape=
	vertex, edge   bool
	source, target string
	geo            *interchange.Box // relative to the parent
	data           map[string]string
	line           int

	children []*cell
	abs      *interchange.Box // absolute, once worked out
}

// Decode reads one page of a diagrams.net file (page counts from 1; 0 is
// the first) into a diagram: swimlanes as lanes (the lanes inside a pool,
// when swimlanes hold swimlanes), rhombi as decisions, ellipses as events,
// notes and text as notes, other shapes as steps, edges as arrows with
// their labels. Pages may be compressed (deflate and base64) or plain XML;
// HTML labels are reduced to their text.
func Decode(data []byte, page int) (*interchange.Diagram, error) {
	root, err := interchange.ParseXML(data, "the diagrams.net file")
	if err != nil {
		return nil, err
	}
	d := &interchange.Diagram{}
	var model *interchange.Node
	switch root.Local() {
	case "mxGraphModel":
		if page > 1 {
			return nil, board.Errorf(board.EInvalid, "the file has 1 page; page %d does not exist", page)
		}
		model = root
	case "mxfile":
		var pages []*interchange.Node
		for _, c := range root.Children {
			if c.Local() == "diagram" {
				pages = append(pages, c)
			}
		}
		if len(pages) == 0 {
			return nil, root.Errorf("the file has no pages (no <diagram> element)")
		}
		if page == 0 {
			page = 1
		}
		if page < 1 || page > len(pages) {
			return nil, board.Errorf(board.EInvalid, "the file has %d pages; page %d does not exist", len(pages), page)
		}
		p := pages[page-1]
		if len(pages) > 1 {
			var names []string
			for i, q := range pages {
				names = append(names, fmt.Sprintf("%d '%s'", i+1, q.Get("name")))
			}
			d.Warnings.Add(fmt.Sprintf("the file has %d pages (%s); page %d was imported, choose another with page=N", len(pages), strings.Join(names, ", "), page), "")
		}
		if name := p.Get("name"); !defaultPageName.MatchString(name) {
			d.Title = name
		}
		if model, err = pageModel(p, page); err != nil {
			return nil, err
		}
	case "svg":
		return nil, root.Errorf("this is an SVG picture; open it in diagrams.net and save it as a .drawio file")
	default:
		return nil, root.Errorf("this is not a diagrams.net file: its root element must be <mxfile> or <mxGraphModel>")
	}
	cells, err := readCells(model)
	if err != nil {
		return nil, err
	}
	// A file written here, with every shape still marked with its kind,
	// has the board's own coordinates.
	d.Exact = root.Get("host") == Host
	for _, c := range cells {
		if c.vertex && c.data[kindAttr] == "" {
			d.Exact = false
		}
	}
	return d, build(d, cells)
}

// pageModel returns a page's mxGraphModel, unpacking a compressed page.
func pageModel(p *interchange.Node, page int) (*interchange.Node, error) {
	if m := p.Child("mxGraphModel"); m != nil {
		return m, nil
	}
	where := fmt.Sprintf("page %d ('%s')", page, p.Get("name"))
	text := strings.Join(strings.Fields(p.Text), "")
	if text == "" {
		return nil, p.Errorf("%s is empty", where)
	}
	raw, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		var ce base64.CorruptInputError
		if errors.As(err, &ce) {
			return nil, p.Errorf("%s is compressed, but its content is not valid base64 (at character %d)", where, int64(ce))
		}
		return nil, p.Errorf("%s is compressed, but its content is not valid base64", where)
	}
	// Deflate can expand a thousandfold: read at most MaxBytes.
	r := flate.NewReader(bytes.NewReader(raw))
	xmlText, err := io.ReadAll(io.LimitReader(r, interchange.MaxBytes+1))
	if err != nil {
		return nil, p.Errorf("%s is compressed, but its content is not valid deflate data (%v)", where, err)
	}
	if len(xmlText) > interchange.MaxBytes {
		return nil, board.Errorf(board.ETooLarge, "line %d: %s unpacks to more than %d MB", p.Line, where, interchange.MaxBytes>>20)
	}
	if len(xmlText) > 0 && xmlText[0] == '%' {
		s, err := url.PathUnescape(string(xmlText))
		if err != nil {
			return nil, p.Errorf("%s unpacks to text that is not valid URL encoding", where)
		}
		xmlText = []byte(s)
	}
	m, err := interchange.ParseXML(xmlText, where)
	if err != nil {
		return nil, err
	}
	if m.Local() != "mxGraphModel" {
		return nil, p.Errorf("%s does not unpack to an <mxGraphModel>", where)
	}
	return m, nil
}

// readCells reads the cells of a page, unwrapping <object> and
// <UserObject>, whose attributes are the shape's data.
func readCells(model *interchange.Node) ([]*cell, error) {
	r := model.Child("root")
	if r == nil {
		return nil, model.Errorf("the page has no <root> of cells")
	}
	var cells []*cell
	for _, n := range r.Children {
		var c *cell
		switch n.Local() {
		case "mxCell":
			c = newCell(n, n)
		case "object", "UserObject":
			m := n.Child("mxCell")
			if m == nil {
				return nil, n.Errorf("an <%s> without its <mxCell>", n.Local())
			}
			c = newCell(n, m)
			c.id, c.label = n.Get("id"), n.Get("label")
			c.data = map[string]string{}
			for _, a := range n.Attr {
				if a.Name.Space == "" && a.Name.Local != "id" && a.Name.Local != "label" {
					c.data[a.Name.Local] = a.Value
				}
			}
		default:
			continue
		}
		cells = append(cells, c)
	}
	return cells, nil
}

func newCell(outer, m *interchange.Node) *cell {
	c := &cell{id: m.Get("id"), parent: m.Get("parent"), label: m.Get("value"), line: outer.Line,
		vertex: m.Get("vertex") == "1", edge: m.Get("edge") == "1", source: m.Get("source"), target: m.Get("target"),
		style: parseStyle(m.Get("style"))}
	c.shape = c.style["shape"]
	if c.shape == "" {
		c.shape = c.style[""]
	}
	if g := m.Child("mxGeometry"); g != nil && g.Get("relative") != "1" {
		num := func(k string) float64 {
			f, err := strconv.ParseFloat(g.Get(k), 64)
			if err != nil || f != f || f > 1e9 || f < -1e9 {
				return 0
			}
			return f
		}
		c.geo = &interchange.Box{X: num("x"), Y: num("y"), W: num("width"), H: num("height")}
	}
	return c
}

// parseStyle splits "rounded=1;whiteSpace=wrap;ellipse;" into a map; the
// first word without "=" (the shape's name) is under "".
func parseStyle(s string) map[string]string {
	m := map[string]string{}
	for _, part := range strings.Split(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			if _, seen := m[""]; !seen {
				m[""] = part
			}
			m[part] = "1"
			continue
		}
		m[k] = v
	}
	return m
}
