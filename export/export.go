// Package export renders a finished workshop board as a PDF document: a
// header with the municipality, strategy and workshop, the process map drawn
// as vectors (split over several A3 pages when it would be too small to
// read), the goal areas ranked, the notes per swimlane and who took part.
// The output aims at PDF/A-2b and is tagged for accessibility (PDF/UA-1:
// see tags.go and tagfile.go); docs/export.md says how far it gets. The
// package knows nothing of HTTP or stores: it turns a board.State into bytes.
package export

import (
	"bytes"
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // the Swedish zone for dates, on hosts without zone data
	"unicode/utf8"

	"codeberg.org/go-pdf/fpdf"

	"github.com/processkarta/processkarta/board"
)

// Limits beyond which Render refuses a board with board.ETooLarge.
const (
	// MaxObjects is the most objects a board may have to be exported:
	// as many as a board holds.
	MaxObjects = board.MaxObjects
	// MaxTotalText is the most bytes of text, all objects together: as
	// much as a board holds (board.MaxBoardTextBytes).
	MaxTotalText = board.MaxBoardTextBytes
)

// Options say what the document shows.
type Options struct {
	Lang         string // "sv" (default) or "en"
	Names        bool   // list participants by name (only when the facilitator asks)
	Municipality board.Municipality
	Strategy     *board.Strategy // may be nil
	Facilitator  string          // name(s) of the facilitator(s); shown only with Names
	Date         time.Time       // the workshop's date, shown in the Swedish time zone
}

// now is the clock for the document's creation date; tests may stop it.
var now = time.Now

// Render returns the PDF of board st. Errors are *board.Error values:
// board.EInvalid for bad options (an unknown language, a municipality
// without a name or with a malformed code, a zero date, text that is not
// valid), board.ETooLarge for a board beyond what the renderer supports
// (more than MaxObjects objects, a text beyond the board's length limits or
// more than MaxTotalText characters in all) and board.EInternal should the
// PDF library fail. On error it returns no bytes. A private round's notes
// are left out: anyone with a token of the board may read the PDF.
func Render(st *board.State, opt Options) (pdf []byte, err error) {
	st = st.Public()
	lab, err := checkOptions(st, &opt)
	if err != nil {
		return nil, err
	}
	if err := checkSize(st); err != nil {
		return nil, err
	}
	return produce(func(fd *fontData) *renderer {
		r := newRenderer(st, opt, lab, fd)
		r.document()
		r.report = r.boardReport().html(lab)
		return r
	})
}

// produce loads the fonts, lets draw lay out a document and writes it:
// the PDF as fpdf makes it, repaired for PDF/A (fixFile), with its
// structure tree (tagFile).
func produce(draw func(fd *fontData) *renderer) (pdf []byte, err error) {
	fd, err := loadFonts()
	if err != nil {
		return nil, board.Errorf(board.EInternal, "export: fonts: %v", err)
	}
	defer func() {
		// fpdf panics on some inputs it does not expect; a failed export
		// must not take the server down.
		if p := recover(); p != nil {
			pdf, err = nil, board.Errorf(board.EInternal, "export: renderer failed: %v", p)
		}
	}()
	r := draw(fd)
	r.tag.close()
	var buf bytes.Buffer
	buf.Grow(256 << 10)
	if err := r.pdf.Output(&buf); err != nil {
		return nil, board.Errorf(board.EInternal, "export: %v", err)
	}
	out, err := tagFile(fixFile(buf.Bytes()), r.tag, r.report, r.created)
	if err != nil {
		return nil, board.Errorf(board.EInternal, "export: %v", err)
	}
	return out, nil
}

func checkOptions(st *board.State, opt *Options) (*labels, error) {
	if st == nil {
		return nil, board.Errorf(board.EInvalid, "no board to export")
	}
	var lab *labels
	switch opt.Lang {
	case "", "sv":
		lab = sv
	case "en":
		lab = en
	default:
		return nil, board.Errorf(board.EInvalid, "lang must be sv or en")
	}
	m := &opt.Municipality
	if m.Code != "" && !isCode(m.Code) {
		return nil, board.Errorf(board.EInvalid, "municipality code must be 4 digits")
	}
	if strings.TrimSpace(m.Name) == "" {
		if s, ok := board.LookupSCB(m.Code); ok {
			m.Name = s.Name
		}
	}
	if err := board.CheckText("municipality name", m.Name, board.MaxTitleLen, true); err != nil {
		return nil, err
	}
	if err := board.CheckText("facilitator", opt.Facilitator, board.MaxTitleLen, false); err != nil {
		return nil, err
	}
	if s := opt.Strategy; s != nil {
		if err := board.CheckText("strategy title", s.Title, board.MaxTitleLen, false); err != nil {
			return nil, err
		}
		if err := board.CheckText("strategy revision", s.Revision, board.MaxTitleLen, false); err != nil {
			return nil, err
		}
	}
	if opt.Date.IsZero() {
		return nil, board.Errorf(board.EInvalid, "the workshop date is required")
	}
	return lab, nil
}

func isCode(s string) bool {
	if len(s) != 4 {
		return false
	}
	for i := 0; i < 4; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// checkSize refuses boards the renderer does not promise to handle.
func checkSize(st *board.State) error {
	if len(st.Objects) > MaxObjects {
		return board.Errorf(board.ETooLarge, "the PDF export handles at most %d objects; this board has %d", MaxObjects, len(st.Objects))
	}
	if len(st.Participants) > board.MaxParticipants {
		return board.Errorf(board.ETooLarge, "the PDF export handles at most %d participants", board.MaxParticipants)
	}
	if !board.ValidText(st.Info.Title, board.MaxTitleLen) {
		return board.Errorf(board.ETooLarge, "the board title is not text of at most %d characters", board.MaxTitleLen)
	}
	for _, o := range st.Objects {
		for k, v := range o.Props {
			s, ok := v.(string)
			if !ok {
				continue
			}
			limit := board.MaxTitleLen
			switch k {
			case "text", "description", "target", "indicator":
				limit = board.MaxTextLen
			}
			if n := utf8.RuneCountInString(s); n > limit {
				return board.Errorf(board.ETooLarge, "%s of object %s is %d characters; at most %d can be exported", k, o.ID, n, limit)
			}
		}
	}
	// The same measure as the board's own budget: whatever board the
	// server accepted, its PDF is made.
	if total := st.TextBytes(); total > MaxTotalText {
		return board.Errorf(board.ETooLarge, "the board holds %d bytes of text; the PDF export handles at most %d", total, MaxTotalText)
	}
	return nil
}

// stockholm is the zone the workshop dates are shown in; the document is
// Swedish whatever zone the server runs in.
var stockholm = func() *time.Location {
	if l, err := time.LoadLocation("Europe/Stockholm"); err == nil {
		return l
	}
	return time.FixedZone("CET", 3600)
}()

func isoDate(t time.Time) string { return t.In(stockholm).Format("2006-01-02") }

// renderer holds one document being made.
type renderer struct {
	pdf   *fpdf.Fpdf
	fd    *fontData
	lab   *labels
	opt   Options
	st    *board.State
	m     *model
	y     float64 // the next free line on a text page
	kind  pageKind
	title string
	short string // the footer's left text
	cut   bool   // some map text was cut
	fits  map[textKey]fitted
	// mapMark is the bookmark of the map's first page, if not the map's
	// title (a revision report names the workshop).
	mapMark string
	tag     *tagger
	created time.Time // the document's creation date
	report  []byte    // the HTML report, kept in the PDF (see tagFile)
}

func newRenderer(st *board.State, opt Options, lab *labels, fd *fontData) *renderer {
	r := &renderer{fd: fd, lab: lab, opt: opt, st: st, fits: map[textKey]fitted{}}
	r.m = buildModel(st, fd)
	pdf := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "P", UnitStr: "mm", Size: fpdf.SizeType{Wd: 210, Ht: 297}})
	r.pdf = pdf
	r.tag = newTagger(pdf)
	pdf.SetCompression(true)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetMargins(marginA4, marginA4, marginA4)
	pdf.AliasNbPages(nbAlias)
	pdf.AddUTF8FontFromBytes(regularKey, "", fd.regular)
	pdf.AddUTF8FontFromBytes(boldKey, "", fd.bold)
	pdf.SetFont(regularKey, "", 10)
	r.growShapes()
	r.title, r.short = r.titles()
	r.metadata()
	pdf.SetFooterFunc(r.footer)
	return r
}

// titles returns the document title and the shorter text for footers.
func (r *renderer) titles() (string, string) {
	parts := []string{r.clean(r.opt.Municipality.Name)}
	if s := r.opt.Strategy; s != nil {
		if t := strategyName(s, r.clean); t != "" {
			parts = append(parts, t)
		}
	}
	bt := r.clean(r.st.Info.Title)
	if bt != "" {
		parts = append(parts, bt)
	}
	short := r.clean(r.opt.Municipality.Name)
	if bt != "" {
		short += " · " + bt
	}
	return strings.Join(parts, " – "), short + " · " + isoDate(r.opt.Date)
}

func strategyName(s *board.Strategy, clean func(string) string) string {
	return strings.TrimSpace(clean(s.Title) + " " + clean(s.Revision))
}

// clean makes a one-line text safe for the fonts.
func (r *renderer) clean(s string) string {
	return strings.Join(strings.Fields(r.fd.clean(s, false)), " ")
}

func (r *renderer) metadata() {
	pdf, lab, o := r.pdf, r.lab, r.opt
	// The document is the municipality's record: it, not a person, is
	// its author, with names or without.
	author := r.clean(o.Municipality.Name)
	if author == "" {
		author = lab.creator
	}
	subject := fmt.Sprintf("%s %s: %s", lab.subject, isoDate(o.Date), r.title)
	kw := []string{lab.kwords, r.clean(o.Municipality.Name)}
	if o.Municipality.Code != "" {
		kw = append(kw, o.Municipality.Code)
	}
	if s := o.Strategy; s != nil && strings.TrimSpace(s.Revision) != "" {
		kw = append(kw, r.clean(s.Revision))
	}
	created := now().UTC().Truncate(time.Second)
	r.created = created
	meta := docMeta{
		title:    r.title,
		author:   author,
		subject:  subject,
		keywords: strings.Join(kw, ", "),
		creator:  lab.creator,
		producer: producer,
		lang:     lab.lang,
		created:  created,
	}
	pdf.SetTitle(meta.title, true)
	pdf.SetAuthor(meta.author, true)
	pdf.SetSubject(meta.subject, true)
	pdf.SetKeywords(meta.keywords, true)
	pdf.SetCreator(meta.creator, true)
	pdf.SetProducer(meta.producer, true)
	pdf.SetLang(meta.lang)
	pdf.SetCreationDate(created)
	pdf.SetModificationDate(created)
	pdf.SetXmpMetadata(meta.xmp())
	pdf.AddOutputIntent(fpdf.OutputIntentType{
		SubtypeIdent:              fpdf.OutputIntent_GTS_PDFA1,
		OutputConditionIdentifier: "sRGB IEC61966-2.1",
		Info:                      "sRGB IEC61966-2.1",
		ICCProfile:                r.fd.icc,
	})
	pdf.SetDisplayMode("fullpage", "single")
}
