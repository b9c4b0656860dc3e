package export

import (
	"strconv"

	"codeberg.org/go-pdf/fpdf"
)

// The document's logical structure for assistive technology (PDF/UA-1):
// while the renderer draws, every piece of content is written inside a
// marked-content sequence, either one that belongs to a structure element
// (a heading, a paragraph, a table cell, the map's figure) or an artifact
// (rules, fills, page footers). fpdf has no tagging API, so the operators
// go in through RawWriteStr and the structure tree is written into the
// file afterwards (see tagFile).

// structElem is one element of the structure tree.
type structElem struct {
	typ    string // a standard structure type: Document, H1, P, Table, TH, ...
	parent *structElem
	kids   []structKid
	alt    string // the alternative text of a Figure
	scope  string // a TH's scope: Column or Row
}

// structKid is a child element, or (elem nil) a marked-content sequence on
// a page (1-based) with its MCID.
type structKid struct {
	elem       *structElem
	page, mcid int
}

// tagger tracks the open marked content of the page being drawn and the
// tree built so far.
type tagger struct {
	pdf   *fpdf.Fpdf
	root  *structElem
	stack []*structElem
	// active is the element whose content is being drawn; nil while
	// drawing artifacts.
	active *structElem
	open   bool // a marked-content sequence is open on the current page
	// mcids lists, per page (index 0 unused), the element of each MCID:
	// the parent tree.
	mcids [][]*structElem
}

func newTagger(pdf *fpdf.Fpdf) *tagger {
	root := &structElem{typ: "Document"}
	return &tagger{pdf: pdf, root: root, stack: []*structElem{root}, mcids: [][]*structElem{nil}}
}

// child adds an element of type typ under parent.
func (t *tagger) child(parent *structElem, typ string) *structElem {
	e := &structElem{typ: typ, parent: parent}
	parent.kids = append(parent.kids, structKid{elem: e})
	return e
}

// push adds an element under the innermost open one and opens it.
func (t *tagger) push(typ string) *structElem {
	e := t.child(t.stack[len(t.stack)-1], typ)
	t.stack = append(t.stack, e)
	return e
}

// pop closes the innermost element; what is drawn next is an artifact
// until something is marked.
func (t *tagger) pop() {
	if len(t.stack) > 1 {
		t.stack = t.stack[:len(t.stack)-1]
	}
	t.artifact()
}

// mark makes what is drawn next the content of e.
func (t *tagger) mark(e *structElem) {
	if t.open && t.active == e {
		return
	}
	t.close()
	page := t.pdf.PageNo()
	for len(t.mcids) <= page {
		t.mcids = append(t.mcids, nil)
	}
	mcid := len(t.mcids[page])
	t.mcids[page] = append(t.mcids[page], e)
	e.kids = append(e.kids, structKid{page: page, mcid: mcid})
	t.pdf.RawWriteStr("/" + e.typ + " <</MCID " + strconv.Itoa(mcid) + ">> BDC")
	t.active, t.open = e, true
}

// artifact makes what is drawn next an artifact: decoration that assistive
// technology skips.
func (t *tagger) artifact() {
	if t.open && t.active == nil {
		return
	}
	t.close()
	if t.pdf.PageNo() == 0 {
		return
	}
	t.pdf.RawWriteStr("/Artifact BMC")
	t.active, t.open = nil, true
}

// close ends the open sequence, if any, keeping active to resume with.
func (t *tagger) close() {
	if t.open {
		t.pdf.RawWriteStr("EMC")
		t.open = false
	}
}

// resume opens, on a new page, the kind of sequence that was open.
func (t *tagger) resume() {
	if t.active != nil {
		e := t.active
		t.active = nil
		t.mark(e)
		return
	}
	t.artifact()
}

// leaf draws content as a new element of type typ under the innermost
// open one and returns it.
func (t *tagger) leaf(typ string, draw func()) *structElem {
	e := t.push(typ)
	t.mark(e)
	draw()
	t.pop()
	return e
}

// pagination wraps a page's footer as a pagination artifact. It is
// called while no sequence is open (see renderer.addPage).
func (t *tagger) pagination(draw func()) {
	t.pdf.RawWriteStr("/Artifact <</Type /Pagination /Subtype /Footer>> BDC")
	draw()
	t.pdf.RawWriteStr("EMC")
}
