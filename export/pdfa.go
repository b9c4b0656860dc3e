package export

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// producer names the software that wrote the PDF, in the document
// information and in XMP alike.
const producer = "Processkarta export (codeberg.org/go-pdf/fpdf)"

// docMeta is the document's metadata. PDF/A wants the document
// information dictionary and the XMP packet to say the same, so both are
// written from this one value.
type docMeta struct {
	title, author, subject, keywords, creator, producer, lang string
	created                                                   time.Time // UTC, whole seconds
}

func xmlText(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// xmp returns the XMP packet with the PDF/A-2b identification. Dates are
// UTC ("Z") because fpdf writes the information dictionary's dates without
// a zone, which PDF readers take as UTC.
func (m docMeta) xmp() []byte {
	date := m.created.UTC().Format("2006-01-02T15:04:05Z")
	var b strings.Builder
	b.WriteString("<?xpacket begin=\"\uFEFF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n")
	b.WriteString(`<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
    xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
   <dc:format>application/pdf</dc:format>
`)
	b.WriteString("   <dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">" + xmlText(m.title) + "</rdf:li></rdf:Alt></dc:title>\n")
	b.WriteString("   <dc:creator><rdf:Seq><rdf:li>" + xmlText(m.author) + "</rdf:li></rdf:Seq></dc:creator>\n")
	b.WriteString("   <dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">" + xmlText(m.subject) + "</rdf:li></rdf:Alt></dc:description>\n")
	b.WriteString("   <dc:language><rdf:Bag><rdf:li>" + xmlText(m.lang) + "</rdf:li></rdf:Bag></dc:language>\n")
	b.WriteString("   <pdf:Keywords>" + xmlText(m.keywords) + "</pdf:Keywords>\n")
	b.WriteString("   <pdf:Producer>" + xmlText(m.producer) + "</pdf:Producer>\n")
	b.WriteString("   <xmp:CreatorTool>" + xmlText(m.creator) + "</xmp:CreatorTool>\n")
	b.WriteString("   <xmp:CreateDate>" + date + "</xmp:CreateDate>\n")
	b.WriteString("   <xmp:ModifyDate>" + date + "</xmp:ModifyDate>\n")
	b.WriteString("   <xmp:MetadataDate>" + date + "</xmp:MetadataDate>\n")
	b.WriteString(`   <pdfaid:part>2</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
`)
	// Padding lets an editor update the packet in place, as XMP advises.
	b.WriteString(strings.Repeat(strings.Repeat(" ", 99)+"\n", 20))
	b.WriteString("<?xpacket end=\"w\"?>")
	return []byte(b.String())
}

// Fonts are registered under names whose length matches the subset names
// they get in the file; see fixFile.
const (
	regularKey = "dvsansregular"      // fpdf writes /utf8dvsansregular (17 bytes)
	boldKey    = "dejavusansboldfont" // fpdf writes /utf8dejavusansboldfont (22 bytes)
	regularPS  = "DejaVuSans"         // after the 7-byte subset tag: 17 bytes
	boldPS     = "DejaVuSans-Bold"    // 22 bytes
)

// fixFile repairs what fpdf v0.12.0 writes wrongly for PDF/A, without
// moving any object (so the cross-reference table stays right):
//
//   - the trailer's /Info points at the output intent's ICC profile stream
//     instead of the document information dictionary (fpdf numbers the
//     info as the second-to-last object, but writes the profile streams
//     between it and the catalog);
//   - the trailer has no file identifier (/ID), which PDF/A requires;
//   - the embedded font subsets are named "utf8<family>" instead of carrying
//     a subset tag ("ABCDEF+DejaVuSans"); the names are replaced by ones of
//     the same length.
//
// Each fix checks what it finds and leaves the file as it is otherwise.
func fixFile(pdf []byte) []byte {
	sum := sha256.Sum256(pdf)
	pdf = renameFonts(pdf, sum)
	const marker = "trailer\n<<\n"
	i := bytes.LastIndex(pdf, []byte(marker))
	if i < 0 {
		return pdf
	}
	head, trailer := pdf[:i], pdf[i:]
	trailer = fixInfoRef(head, trailer)
	if !bytes.Contains(trailer, []byte("/ID")) {
		id := hex.EncodeToString(sum[:16])
		trailer = bytes.Replace(trailer, []byte(marker), []byte(marker+"/ID [<"+id+"> <"+id+">]\n"), 1)
	}
	return append(head[:len(head):len(head)], trailer...)
}

func renameFonts(pdf []byte, sum [32]byte) []byte {
	tag := func(n int) string {
		b := make([]byte, 6)
		for i := range b {
			b[i] = 'A' + sum[n*6+i]%26
		}
		return string(b)
	}
	for i, f := range [][2]string{{"utf8" + regularKey, regularPS}, {"utf8" + boldKey, boldPS}} {
		to := tag(i) + "+" + f[1]
		if len(to) != len(f[0]) {
			panic("export: subset font name of the wrong length")
		}
		for _, key := range []string{"/BaseFont /", "/FontName /"} {
			pdf = bytes.ReplaceAll(pdf, []byte(key+f[0]+"\n"), []byte(key+to+"\n"))
			pdf = bytes.ReplaceAll(pdf, []byte(key+f[0]+" "), []byte(key+to+" "))
		}
	}
	return pdf
}

var infoRef = regexp.MustCompile(`/Info (\d+) 0 R`)

// fixInfoRef points the trailer's /Info at the object that is the
// document information dictionary, found through the cross-reference
// table.
func fixInfoRef(head, trailer []byte) []byte {
	m := infoRef.FindSubmatchIndex(trailer)
	if m == nil {
		return trailer
	}
	n, err := strconv.Atoi(string(trailer[m[2]:m[3]]))
	if err != nil {
		return trailer
	}
	x := bytes.LastIndex(head, []byte("\nxref\n0 "))
	if x < 0 {
		return trailer
	}
	x++
	nl := bytes.IndexByte(head[x+5:], '\n')
	if nl < 0 {
		return trailer
	}
	entries := x + 5 + nl + 1
	isInfo := func(k int) bool {
		e := entries + 20*k
		if k <= 0 || e+10 > len(head) {
			return false
		}
		off, err := strconv.Atoi(string(head[e : e+10]))
		if err != nil || off <= 0 || off >= len(head) {
			return false
		}
		end := bytes.Index(head[off:], []byte("endobj"))
		if end < 0 {
			return false
		}
		obj := head[off : off+end]
		return bytes.Contains(obj, []byte("/CreationDate")) && !bytes.Contains(obj, []byte("stream"))
	}
	for k := n; k > 0 && k > n-8; k-- {
		if isInfo(k) {
			if k == n {
				return trailer
			}
			out := append([]byte{}, trailer[:m[2]]...)
			out = append(out, strconv.Itoa(k)...)
			return append(out, trailer[m[3]:]...)
		}
	}
	return trailer
}
