package export

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
)

// pdfFile is a PDF as fpdf writes it: a header, objects, one classic
// cross-reference table and a trailer. It is read only as far as the
// post-processing needs, and never trusts a file it did not write.
type pdfFile struct {
	data    []byte
	xref    int         // where "xref" starts
	offsets map[int]int // object number -> offset of "N 0 obj"
	ends    map[int]int // object number -> where the next object starts
	size    int         // the trailer's /Size
	trailer []byte      // from "trailer" to the end
}

var errNotOurs = errors.New("export: not a PDF this package wrote")

var startxrefRe = regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`)

func parsePDF(data []byte) (*pdfFile, error) {
	m := startxrefRe.FindSubmatch(data)
	if m == nil {
		return nil, errNotOurs
	}
	x, err := strconv.Atoi(string(m[1]))
	if err != nil || x <= 0 || x >= len(data) {
		return nil, errNotOurs
	}
	if !bytes.HasPrefix(data[x:], []byte("xref\n0 ")) {
		return parseXRefStream(data, x)
	}
	line := data[x+len("xref\n0 "):]
	nl := bytes.IndexByte(line, '\n')
	if nl < 0 {
		return nil, errNotOurs
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(line[:nl])))
	if err != nil || n <= 0 {
		return nil, errNotOurs
	}
	entries := x + len("xref\n0 ") + nl + 1
	if entries+20*n > len(data) {
		return nil, errNotOurs
	}
	f := &pdfFile{data: data, xref: x, offsets: map[int]int{}, size: n}
	for k := 1; k < n; k++ {
		e := data[entries+20*k : entries+20*k+20]
		if e[17] != 'n' {
			continue
		}
		off, err := strconv.Atoi(string(e[:10]))
		if err != nil || off <= 0 || off >= x || !bytes.HasPrefix(data[off:], []byte(strconv.Itoa(k)+" 0 obj")) {
			return nil, errNotOurs
		}
		f.offsets[k] = off
	}
	f.trailer = data[entries+20*n:]
	if !bytes.HasPrefix(f.trailer, []byte("trailer")) {
		return nil, errNotOurs
	}
	f.findEnds()
	return f, nil
}

// findEnds notes where each object ends: where the next one starts.
func (f *pdfFile) findEnds() {
	f.ends = make(map[int]int, len(f.offsets))
	byOff := make([]int, 0, len(f.offsets))
	for k := range f.offsets {
		byOff = append(byOff, k)
	}
	slices.SortFunc(byOff, func(a, b int) int { return f.offsets[a] - f.offsets[b] })
	for i, k := range byOff {
		f.ends[k] = f.xref
		if i+1 < len(byOff) {
			f.ends[k] = f.offsets[byOff[i+1]]
		}
	}
}

var xrefStreamRe = regexp.MustCompile(`^\d+ 0 obj\n<< /Type /XRef /Size (\d+) /W \[1 4 2\] /Index \[0 (\d+)\]([^\n]*?) /Length (\d+) /Filter /FlateDecode >>\nstream\n`)

// parseXRefStream reads the cross-reference stream at x, as tagFile
// writes it. Objects inside object streams are not listed: only those
// stored on their own, which is all privateData needs.
func parseXRefStream(data []byte, x int) (*pdfFile, error) {
	m := xrefStreamRe.FindSubmatchIndex(data[x:])
	if m == nil {
		return nil, errNotOurs
	}
	num := func(i int) int { n, _ := strconv.Atoi(string(data[x+m[2*i] : x+m[2*i+1]])); return n }
	size, l := num(1), num(4)
	start := x + m[1]
	if size <= 0 || num(2) != size || start+l > len(data) {
		return nil, errNotOurs
	}
	r, err := zlib.NewReader(bytes.NewReader(data[start : start+l]))
	if err != nil {
		return nil, errNotOurs
	}
	entries, err := io.ReadAll(io.LimitReader(r, int64(7*size)+1))
	if err != nil || len(entries) != 7*size {
		return nil, errNotOurs
	}
	f := &pdfFile{data: data, xref: x, offsets: map[int]int{}, size: size, trailer: data[x+m[6] : x+m[7]]}
	for k := 1; k < size; k++ {
		e := entries[7*k:]
		if e[0] != 1 {
			continue
		}
		off := int(e[1])<<24 | int(e[2])<<16 | int(e[3])<<8 | int(e[4])
		if off <= 0 || off > x || !bytes.HasPrefix(data[off:], []byte(strconv.Itoa(k)+" 0 obj")) {
			return nil, errNotOurs
		}
		if off < x {
			f.offsets[k] = off
		}
	}
	f.findEnds()
	return f, nil
}

// object returns object n's bytes, from "n 0 obj" up to the next object
// (or the cross-reference table), or nil.
func (f *pdfFile) object(n int) []byte {
	off, ok := f.offsets[n]
	if !ok {
		return nil
	}
	return f.data[off:f.ends[n]]
}

var (
	rootRe  = regexp.MustCompile(`/Root (\d+) 0 R`)
	infoRe  = regexp.MustCompile(`/Info (\d+) 0 R`)
	idRe    = regexp.MustCompile(`/ID \[<[0-9a-f]+> <[0-9a-f]+>\]`)
	pagesRe = regexp.MustCompile(`/Pages (\d+) 0 R`)
	kidsRe  = regexp.MustCompile(`/Kids \[([0-9 R]*)\]`)
	// What tagFile writes for the private data, and its stream.
	privRe   = regexp.MustCompile(`/Processkarta << /LastModified \(D:\d+Z\) /Private (\d+) 0 R >>`)
	lengthRe = regexp.MustCompile(`^\d+ 0 obj\n<< /Length (\d+) /Filter /FlateDecode >>\nstream\n`)
)

func refNum(re *regexp.Regexp, b []byte) int {
	m := re.FindSubmatch(b)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// pages returns the page objects' numbers in page order.
func (f *pdfFile) pages() ([]int, int, error) {
	root := refNum(rootRe, f.trailer)
	cat := f.object(root)
	if cat == nil || !bytes.Contains(cat, []byte("/Type /Catalog")) {
		return nil, 0, errNotOurs
	}
	kids := kidsRe.FindSubmatch(f.object(refNum(pagesRe, cat)))
	if kids == nil {
		return nil, 0, errNotOurs
	}
	var pages []int
	for _, fld := range strings.Fields(string(kids[1])) {
		if n, err := strconv.Atoi(fld); err == nil && fld != "0" {
			pages = append(pages, n)
		}
	}
	return pages, root, nil
}

// pdfText is a PDF text string in UTF-16BE with its byte order mark,
// written as a literal string of those bytes (two a character, where hex
// would take four), so that any text survives.
func pdfText(s string) string {
	var b strings.Builder
	b.Grow(2*len(s) + 4)
	b.WriteString("(\xfe\xff")
	put := func(c byte) {
		switch c {
		case '(', ')', '\\':
			b.WriteByte('\\')
		case '\r':
			// A bare CR in a string would be read as a line end.
			b.WriteString(`\r`)
			return
		}
		b.WriteByte(c)
	}
	for _, u := range utf16.Encode([]rune(s)) {
		put(byte(u >> 8))
		put(byte(u))
	}
	b.WriteString(")")
	return b.String()
}

// tagFile writes the structure tree t built while drawing into the file:
// the catalog gets /StructTreeRoot, /MarkInfo, /ViewerPreferences
// (DisplayDocTitle) and, when private is set, a /PieceInfo holding it (the
// HTML report, compressed); each page gets /StructParents and /Tabs /S.
// The objects are copied as they are, the new ones appended, and the
// cross-reference table written anew; bookmarks, metadata and the file
// identifier are kept.
func tagFile(pdf []byte, t *tagger, private []byte, modified time.Time) ([]byte, error) {
	f, err := parsePDF(pdf)
	if err != nil {
		return nil, err
	}
	pages, root, err := f.pages()
	if err != nil {
		return nil, err
	}
	next := f.size
	alloc := func() int { next++; return next - 1 }
	treeRoot, parentTree := alloc(), alloc()
	ids := map[*structElem]int{}
	var order []*structElem
	var walk func(e *structElem)
	walk = func(e *structElem) {
		ids[e] = alloc()
		order = append(order, e)
		for _, k := range e.kids {
			if k.elem != nil {
				walk(k.elem)
			}
		}
	}
	walk(t.root)
	privNum := 0
	if private != nil {
		privNum = alloc()
	}
	pageRef := func(p int) string {
		if p < 1 || p > len(pages) {
			panic("export: marked content on a page that does not exist")
		}
		return strconv.Itoa(pages[p-1]) + " 0 R"
	}

	// The structure tree is many small dictionaries with much text (the
	// map's description): they go into one compressed object stream.
	type packed struct {
		n    int
		body string
	}
	var inStream []packed
	obj := func(n int, body string) { inStream = append(inStream, packed{n, body}) }
	obj(treeRoot, fmt.Sprintf("<< /Type /StructTreeRoot /K %d 0 R /ParentTree %d 0 R /ParentTreeNextKey %d >>", ids[t.root], parentTree, len(pages)))
	var nums strings.Builder
	nums.WriteString("<< /Nums [")
	for p := range pages {
		fmt.Fprintf(&nums, "\n%d [", p)
		if p+1 < len(t.mcids) {
			for _, e := range t.mcids[p+1] {
				fmt.Fprintf(&nums, "%d 0 R ", ids[e])
			}
		}
		nums.WriteString("]")
	}
	nums.WriteString("\n] >>")
	obj(parentTree, nums.String())
	for _, e := range order {
		var b strings.Builder
		b.WriteString("<< /Type /StructElem /S /" + e.typ)
		if e.parent == nil {
			fmt.Fprintf(&b, " /P %d 0 R", treeRoot)
		} else {
			fmt.Fprintf(&b, " /P %d 0 R", ids[e.parent])
		}
		pg := 0
		for _, k := range e.kids {
			if k.elem == nil {
				pg = k.page
				break
			}
		}
		if pg > 0 {
			b.WriteString(" /Pg " + pageRef(pg))
		}
		if e.scope != "" {
			b.WriteString(" /A << /O /Table /Scope /" + e.scope + " >>")
		}
		if e.alt != "" {
			b.WriteString(" /Alt " + pdfText(e.alt))
		}
		b.WriteString(" /K [")
		for _, k := range e.kids {
			switch {
			case k.elem != nil:
				fmt.Fprintf(&b, "%d 0 R ", ids[k.elem])
			case k.page == pg:
				fmt.Fprintf(&b, "%d ", k.mcid)
			default:
				fmt.Fprintf(&b, "<< /Type /MCR /Pg %s /MCID %d >> ", pageRef(k.page), k.mcid)
			}
		}
		b.WriteString("] >>")
		obj(ids[e], b.String())
	}
	var added [][]byte
	if private != nil {
		added = append(added, fmt.Appendf(nil, "%d 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream\nendobj\n", privNum, len(deflate(private)), deflate(private)))
	}
	objStm := alloc()
	{
		var head, body bytes.Buffer
		for _, o := range inStream {
			fmt.Fprintf(&head, "%d %d ", o.n, body.Len())
			body.WriteString(o.body)
			body.WriteByte('\n')
		}
		head.WriteByte('\n')
		z := deflate(append(head.Bytes(), body.Bytes()...))
		added = append(added, fmt.Appendf(nil, "%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream\nendobj\n",
			objStm, len(inStream), head.Len(), len(z), z))
	}
	xrefNum := alloc()

	// The catalog and the pages gain their entries.
	edit := map[int][2]string{}
	cat := fmt.Sprintf("/Type /Catalog\n/StructTreeRoot %d 0 R\n/MarkInfo << /Marked true >>\n/ViewerPreferences << /DisplayDocTitle true >>\n", treeRoot)
	if private != nil {
		cat += fmt.Sprintf("/PieceInfo << /Processkarta << /LastModified %s /Private %d 0 R >> >>\n", pdfDate(modified), privNum)
	}
	edit[root] = [2]string{"/Type /Catalog\n", cat}
	for i, p := range pages {
		edit[p] = [2]string{"<</Type /Page\n", fmt.Sprintf("<</Type /Page\n/StructParents %d\n/Tabs /S\n", i)}
	}

	nums2 := make([]int, 0, len(f.offsets))
	for n := range f.offsets {
		nums2 = append(nums2, n)
	}
	slices.SortFunc(nums2, func(a, b int) int { return f.offsets[a] - f.offsets[b] })
	first := f.xref
	if len(nums2) > 0 {
		first = f.offsets[nums2[0]]
	}
	out := bytes.NewBuffer(make([]byte, 0, len(pdf)+len(added)*200+len(private)))
	// fpdf declares PDF 1.4; the structure's entries (/Tabs among them)
	// are PDF 1.5 and later, and PDF/UA-1 and PDF/A-2 build on PDF 1.7.
	out.Write(bytes.Replace(pdf[:first], []byte("%PDF-1.4\n"), []byte("%PDF-1.7\n"), 1))
	offsets := make([]int, next)
	for _, n := range nums2 {
		o := f.object(n)
		if e, ok := edit[n]; ok {
			if !bytes.Contains(o, []byte(e[0])) {
				return nil, errNotOurs
			}
			o = bytes.Replace(o, []byte(e[0]), []byte(e[1]), 1)
		}
		offsets[n] = out.Len()
		out.Write(o)
	}
	for _, a := range added {
		n, _ := strconv.Atoi(string(a[:bytes.IndexByte(a, ' ')]))
		offsets[n] = out.Len()
		out.Write(a)
	}
	// A cross-reference stream (PDF 1.5), as the object stream needs: each
	// entry is a type (0 free, 1 at an offset, 2 in the object stream),
	// 4 bytes of offset or stream number, 2 of generation or index.
	inObjStm := map[int]int{}
	for i, o := range inStream {
		inObjStm[o.n] = i
	}
	x := out.Len()
	offsets[xrefNum] = x
	entries := make([]byte, 0, 7*next)
	for n := range next {
		typ, f2, f3 := 1, offsets[n], 0
		if i, ok := inObjStm[n]; ok {
			typ, f2, f3 = 2, objStm, i
		} else if offsets[n] == 0 {
			typ, f2, f3 = 0, 0, 0xffff
			if n > 0 {
				f3 = 0
			}
		}
		entries = append(entries, byte(typ), byte(f2>>24), byte(f2>>16), byte(f2>>8), byte(f2), byte(f3>>8), byte(f3))
	}
	z := deflate(entries)
	keep := ""
	for _, re := range []*regexp.Regexp{rootRe, infoRe, idRe} {
		if m := re.Find(f.trailer); m != nil {
			keep += " " + string(m)
		}
	}
	fmt.Fprintf(out, "%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Index [0 %d]%s /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream\nendobj\n",
		xrefNum, next, next, keep, len(z), z)
	fmt.Fprintf(out, "startxref\n%d\n%%%%EOF\n", x)
	return out.Bytes(), nil
}

// deflate compresses b for a /FlateDecode stream.
func deflate(b []byte) []byte {
	var z bytes.Buffer
	w, _ := zlib.NewWriterLevel(&z, zlib.DefaultCompression)
	w.Write(b)
	w.Close()
	return z.Bytes()
}

// pdfDate formats t as a PDF date string in UTC.
func pdfDate(t time.Time) string { return "(D:" + t.UTC().Format("20060102150405") + "Z)" }

// privateData returns what tagFile stored in the catalog's /PieceInfo;
// ErrNoReport when the file holds nothing there.
func privateData(pdf []byte) ([]byte, error) {
	f, err := parsePDF(pdf)
	if err != nil {
		return nil, err
	}
	cat := f.object(refNum(rootRe, f.trailer))
	n := refNum(privRe, cat)
	if n == 0 {
		return nil, ErrNoReport
	}
	o := f.object(n)
	m := lengthRe.FindSubmatchIndex(o)
	if m == nil {
		return nil, errNotOurs
	}
	l, _ := strconv.Atoi(string(o[m[2]:m[3]]))
	if m[1]+l > len(o) {
		return nil, errNotOurs
	}
	r, err := zlib.NewReader(bytes.NewReader(o[m[1] : m[1]+l]))
	if err != nil {
		return nil, errNotOurs
	}
	defer r.Close()
	return io.ReadAll(io.LimitReader(r, 64<<20))
}
