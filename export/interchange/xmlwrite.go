package interchange

import (
	"bytes"
	"encoding/xml"
	"strconv"
	"strings"
)

// Writer writes indented XML with the prefixes the caller chooses, which
// encoding/xml's encoder cannot do (it invents its own). Names are written
// as given; attribute values and text are escaped.
type Writer struct {
	b     bytes.Buffer
	stack []string
	open  bool // a start tag is not yet closed with ">"
	inner bool // the open element has child elements
}

// NewWriter starts a document with the XML declaration.
func NewWriter() *Writer {
	w := &Writer{}
	w.b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>`)
	return w
}

// Attr is one attribute; an empty value is left out unless Keep.
type Attr struct {
	Name, Value string
	Keep        bool
}

// A returns an attribute that is left out when empty.
func A(name, value string) Attr { return Attr{Name: name, Value: value} }

// N returns a numeric attribute, written without needless decimals.
func N(name string, v float64) Attr { return Attr{Name: name, Value: Num(v), Keep: true} }

// Num formats a number as short as it can be without losing precision.
func Num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func (w *Writer) closeStart() {
	if w.open {
		w.b.WriteByte('>')
		w.open = false
	}
}

func (w *Writer) indent() {
	w.b.WriteByte('\n')
	w.b.WriteString(strings.Repeat("  ", len(w.stack)))
}

// Start opens an element.
func (w *Writer) Start(name string, attrs ...Attr) {
	w.closeStart()
	w.indent()
	w.b.WriteByte('<')
	w.b.WriteString(name)
	for _, a := range attrs {
		if a.Value == "" && !a.Keep {
			continue
		}
		w.b.WriteByte(' ')
		w.b.WriteString(a.Name)
		w.b.WriteString(`="`)
		xml.EscapeText(&w.b, []byte(a.Value))
		w.b.WriteByte('"')
	}
	w.stack = append(w.stack, name)
	w.open, w.inner = true, false
}

// End closes the innermost element.
func (w *Writer) End() {
	name := w.stack[len(w.stack)-1]
	w.stack = w.stack[:len(w.stack)-1]
	if w.open {
		w.b.WriteString("/>")
		w.open = false
		w.inner = true
		return
	}
	if w.inner {
		w.indent()
	}
	w.b.WriteString("</" + name + ">")
	w.inner = true
}

// Empty writes an element with attributes and nothing inside.
func (w *Writer) Empty(name string, attrs ...Attr) {
	w.Start(name, attrs...)
	w.End()
}

// TextElem writes an element that holds only text.
func (w *Writer) TextElem(name, text string, attrs ...Attr) {
	w.Start(name, attrs...)
	w.closeStart()
	xml.EscapeText(&w.b, []byte(text))
	w.stack = w.stack[:len(w.stack)-1]
	w.b.WriteString("</" + name + ">")
	w.inner = true
}

// Bytes ends the document and returns it.
func (w *Writer) Bytes() []byte {
	for len(w.stack) > 0 {
		w.End()
	}
	w.b.WriteByte('\n')
	return w.b.Bytes()
}
