package interchange

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/processkarta/processkarta/board"
)

// Limits on what ParseXML reads. They are far above what a real diagram
// needs (a board holds at most board.MaxObjects objects) and low enough that
// a hostile file costs little time and memory.
const (
	// MaxBytes is the largest file accepted, compressed or not.
	MaxBytes = 10 << 20
	// MaxDepth is the deepest element nesting accepted.
	MaxDepth = 64
	// MaxElements is the most elements in one document.
	MaxElements = 200_000
	// MaxAttrs is the most attributes on one element.
	MaxAttrs = 200
)

// Node is one element of a parsed XML document: its namespace-resolved
// name, attributes, child elements, the character data directly inside it
// and the line it starts on (for error messages).
type Node struct {
	Name     xml.Name
	Attr     []xml.Attr
	Children []*Node
	Text     string
	Line     int
}

// Get returns the value of the attribute with the given local name (in no
// namespace or any namespace, the unqualified one first), or "".
func (n *Node) Get(local string) string {
	v, _ := n.Lookup(local)
	return v
}

// Lookup is Get that also says whether the attribute is there.
func (n *Node) Lookup(local string) (string, bool) {
	for _, a := range n.Attr {
		if a.Name.Local == local && a.Name.Space == "" {
			return a.Value, true
		}
	}
	for _, a := range n.Attr {
		if a.Name.Local == local {
			return a.Value, true
		}
	}
	return "", false
}

// GetNS returns the value of the attribute local in namespace space, or "".
func (n *Node) GetNS(space, local string) string {
	for _, a := range n.Attr {
		if a.Name.Local == local && a.Name.Space == space {
			return a.Value
		}
	}
	return ""
}

// Child returns the first child element with the given local name, or nil.
func (n *Node) Child(local string) *Node {
	for _, c := range n.Children {
		if c.Name.Local == local {
			return c
		}
	}
	return nil
}

// Local is the element's name without its namespace.
func (n *Node) Local() string { return n.Name.Local }

// Tag is the element's name as a message shows it: <local>.
func (n *Node) Tag() string { return "<" + n.Name.Local + ">" }

// Errorf returns an invalid-input error that says where in the file it is.
func (n *Node) Errorf(format string, args ...any) error {
	return board.Errorf(board.EInvalid, "line %d, %s: %s", n.Line, n.Tag(), fmt.Sprintf(format, args...))
}

// ParseXML reads a whole XML document into a tree, refusing what could make
// reading it costly or reach outside the file: a document type declaration
// (where entity bombs and external entities live), nesting deeper than
// MaxDepth, more than MaxElements elements, more than MaxBytes bytes, and
// any encoding other than UTF-8, US-ASCII and ISO-8859-1. The errors are
// board errors (invalid or too_large) whose message says what is wrong and
// on which line. what names the file for messages ("the BPMN file").
func ParseXML(data []byte, what string) (*Node, error) {
	if len(data) > MaxBytes {
		return nil, board.Errorf(board.ETooLarge, "%s is over %d MB", what, MaxBytes>>20)
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	d.CharsetReader = charsetReader
	var (
		root     *Node
		stack    []*Node
		elements int
		text     [][]byte
	)
	line := func() int { l, _ := d.InputPos(); return l }
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, syntaxError(err, line(), what)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= MaxDepth {
				return nil, board.Errorf(board.EInvalid, "line %d, <%s>: %s nests elements more than %d deep", line(), t.Name.Local, what, MaxDepth)
			}
			elements++
			if elements > MaxElements {
				return nil, board.Errorf(board.ETooLarge, "line %d: %s has more than %d elements", line(), what, MaxElements)
			}
			if len(t.Attr) > MaxAttrs {
				return nil, board.Errorf(board.EInvalid, "line %d, <%s>: more than %d attributes", line(), t.Name.Local, MaxAttrs)
			}
			n := &Node{Name: t.Name, Attr: t.Attr, Line: line()}
			if len(stack) == 0 {
				if root != nil {
					return nil, board.Errorf(board.EInvalid, "line %d: %s has more than one root element", n.Line, what)
				}
				root = n
			} else {
				p := stack[len(stack)-1]
				p.Children = append(p.Children, n)
			}
			stack = append(stack, n)
			text = append(text, nil)
		case xml.EndElement:
			n := stack[len(stack)-1]
			n.Text = string(text[len(text)-1])
			stack, text = stack[:len(stack)-1], text[:len(text)-1]
		case xml.CharData:
			if len(text) > 0 {
				text[len(text)-1] = append(text[len(text)-1], t...)
			}
		case xml.Directive:
			return nil, board.Errorf(board.EInvalid, "line %d: %s declares a document type or entities (<!%s…>); such files are refused, since entity declarations can expand a small file into gigabytes or read other files", line(), what, firstWord(t))
		}
	}
	if root == nil {
		return nil, board.Errorf(board.EInvalid, "%s holds no XML element", what)
	}
	return root, nil
}

func firstWord(b []byte) string {
	s := string(b)
	if i := strings.IndexAny(s, " \t\r\n["); i >= 0 {
		s = s[:i]
	}
	if len(s) > 20 || !utf8.ValidString(s) {
		return "…"
	}
	return s
}

// syntaxError turns a decoder error into a plain message with its line.
func syntaxError(err error, line int, what string) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		msg := se.Msg
		if strings.HasPrefix(msg, "invalid character entity") {
			msg += " (only the five XML entities and numeric character references are allowed)"
		}
		return board.Errorf(board.EInvalid, "line %d: %s is not well-formed XML: %s", se.Line, what, msg)
	}
	if be := board.ErrorCode(err); be != board.EInternal {
		return err
	}
	return board.Errorf(board.EInvalid, "line %d: %s cannot be read as XML: %s", line, what, err.Error())
}

// charsetReader accepts the encodings that need no tables: UTF-8 and
// US-ASCII as they are, ISO-8859-1 by mapping each byte to its code point.
func charsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return in, nil
	case "iso-8859-1", "latin1", "latin-1", "iso8859-1":
		return &latin1Reader{r: in}, nil
	}
	return nil, board.Errorf(board.EInvalid, "the file is encoded as %q; save it as UTF-8 and try again", label)
}

// latin1Reader converts ISO-8859-1 to UTF-8.
type latin1Reader struct {
	r   io.Reader
	buf []byte
}

func (l *latin1Reader) Read(p []byte) (int, error) {
	if len(p) < 2 {
		return 0, io.ErrShortBuffer
	}
	if cap(l.buf) < len(p)/2 {
		l.buf = make([]byte, len(p)/2)
	}
	n, err := l.r.Read(l.buf[:len(p)/2])
	w := 0
	for _, b := range l.buf[:n] {
		w += utf8.EncodeRune(p[w:], rune(b))
	}
	return w, err
}

// RootName returns the name of a document's root element, reading no
// further than its start tag, with the same refusals as ParseXML.
func RootName(data []byte, what string) (xml.Name, error) {
	if len(data) > MaxBytes {
		return xml.Name{}, board.Errorf(board.ETooLarge, "%s is over %d MB", what, MaxBytes>>20)
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	d.CharsetReader = charsetReader
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return xml.Name{}, board.Errorf(board.EInvalid, "%s holds no XML element", what)
		}
		if err != nil {
			l, _ := d.InputPos()
			return xml.Name{}, syntaxError(err, l, what)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return t.Name, nil
		case xml.Directive:
			l, _ := d.InputPos()
			return xml.Name{}, board.Errorf(board.EInvalid, "line %d: %s declares a document type or entities (<!%s…>); such files are refused, since entity declarations can expand a small file into gigabytes or read other files", l, what, firstWord(t))
		}
	}
}
