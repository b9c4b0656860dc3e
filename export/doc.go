package export

import (
	"fmt"
	"strconv"
	"strings"
)

// document lays out every section.
func (r *renderer) document() {
	r.addPage(pageA4P)
	r.pdf.Bookmark(r.lab.front, 0, 0)
	r.header()
	if r.m.empty {
		r.emptyNotice()
	} else if r.m.mapHasContent() {
		r.drawMapPages()
	}
	if len(r.m.goals) > 0 {
		r.goalTable()
	}
	if len(r.m.notes) > 0 {
		r.notesSection()
	}
	r.participants()
}

// Sections listed in the contents on the first page. Their page numbers
// are aliases that fpdf replaces when the document closes, as the pages
// are known only once they are laid out.
const (
	tocMap = iota
	tocGoals
	tocNotes
	tocPeople
)

func tocAlias(section int) string { return "{toc" + string(rune('A'+section)) + "}" }

// startSection notes the page a section starts on.
func (r *renderer) startSection(section int) {
	r.pdf.RegisterAlias(tocAlias(section), strconv.Itoa(r.pdf.PageNo()))
}

// contents lists the sections that follow with their pages.
func (r *renderer) contents() {
	lab, m := r.lab, r.m
	var rows [][2]string
	if !m.empty && m.mapHasContent() {
		title := lab.mapTitle
		if t := m.tiling(); t.cols*t.rows > 1 {
			title = fmt.Sprintf(lab.tocMap, t.count())
		}
		rows = append(rows, [2]string{title, tocAlias(tocMap)})
	}
	if len(m.goals) > 0 {
		rows = append(rows, [2]string{lab.goalsTitle, tocAlias(tocGoals)})
	}
	if len(m.notes) > 0 {
		rows = append(rows, [2]string{lab.notesTitle, tocAlias(tocNotes)})
	}
	if people, observers := r.peopleCounts(); people+observers > 0 {
		rows = append(rows, [2]string{lab.peopleTitle, tocAlias(tocPeople)})
	}
	if len(rows) == 0 {
		return
	}
	r.y += 4
	r.heading("H2", lab.contents, 12)
	w := r.width()
	r.tag.push("L")
	defer r.tag.pop()
	for _, row := range rows {
		r.need(7)
		r.tag.push("LI")
		r.tag.leaf("LBody", func() {
			r.font("", 10)
			r.color(colInk)
			base := r.y + 0.8*10*ptMM + (10*ptMM*lineGap-10*ptMM)/2
			r.pdf.Text(marginA4, base, fitWidth(r.pdf, row[0], w-30)+" ")
			r.color(colMuted)
			r.pdf.Text(marginA4+w-22, base, fmt.Sprintf(lab.pageShort, row[1]))
		})
		r.tag.pop()
		r.y += 10*ptMM*lineGap + 1.5
		r.pdf.SetDrawColor(0xe5, 0xe7, 0xeb)
		r.pdf.SetLineWidth(0.15)
		r.pdf.Line(marginA4, r.y-0.8, marginA4+w, r.y-0.8)
	}
}

// docKind writes the small line above a document's title.
func (r *renderer) docKind(s string) {
	r.font("", 9)
	r.color(colMuted)
	r.tag.leaf("P", func() { r.pdf.Text(marginA4, r.y, s) })
	r.y += 4
}

// title1 writes the document's title, its one first-level heading.
func (r *renderer) title1(s string) {
	r.font("B", 22)
	r.color(colInk)
	r.tag.leaf("H1", func() { r.drawLines(fit(r.pdf, s, r.width(), 40, 22, 14), marginA4, r.width(), false) })
}

// subtitle writes the line under the title.
func (r *renderer) subtitle(s string) {
	r.font("", 13)
	r.color(colMuted)
	r.tag.leaf("P", func() { r.drawLines(fit(r.pdf, s, r.width(), 20, 13, 9), marginA4, r.width(), false) })
}

// header writes the first page's block: what, where, when, who.
func (r *renderer) header() {
	pdf, lab, o := r.pdf, r.lab, r.opt
	w := r.width()
	// A band of the accent colour marks the document's top.
	pdf.SetFillColor(colAccent.r, colAccent.g, colAccent.b)
	pdf.Rect(marginA4, r.y, w, 1.6, "F")
	r.y += 7
	r.docKind(lab.docKind)

	title := r.clean(r.st.Info.Title)
	if title == "" {
		title = lab.mapTitle
	}
	r.title1(title)

	sub := r.clean(o.Municipality.Name)
	if s := o.Strategy; s != nil {
		if t := strategyName(s, r.clean); t != "" {
			sub += " · " + t
		}
	}
	r.subtitle(sub)
	r.y += 6

	r.keyValues(r.facts(title), 48)
	r.y += 6

	r.heading("H2", lab.summary, 12)
	r.countGrid(r.boardCounts())
	if names := r.laneNames(); len(names) > 0 {
		r.y += 2
		r.para(lab.lanesLine, 9, "B", colInk)
		r.para(strings.Join(names, " · "), 9.5, "", colInk)
	}
	r.contents()
}

// facts are the first page's label and value rows; title is the
// workshop's.
func (r *renderer) facts(title string) [][2]string {
	lab, o := r.lab, r.opt
	code := o.Municipality.Code
	if code == "" {
		code = "–"
	}
	strategy, revision := lab.noStrat, "–"
	if s := o.Strategy; s != nil {
		if t := r.clean(s.Title); t != "" {
			strategy = t
		}
		if v := r.clean(s.Revision); v != "" {
			revision = v
		}
	}
	// Without names the facilitator is not named either: the row says
	// the names were left out.
	facil := lab.namesLeftOut
	if o.Names {
		if facil = r.clean(o.Facilitator); facil == "" {
			facil = lab.noFacil
		}
	}
	tmpl := lab.templates[r.st.Info.Template]
	if tmpl == "" {
		tmpl = "–"
	}
	rows := [][2]string{
		{lab.municipal, r.clean(o.Municipality.Name)},
		{lab.scbCode, code},
		{lab.strategy, strategy},
		{lab.revision, revision},
		{lab.workshop, title},
		{lab.date, isoDate(o.Date)},
		{lab.facil, facil},
		{lab.template, tmpl},
	}
	if p := r.clean(r.st.Settings.Phase); p != "" {
		rows = append(rows, [2]string{lab.phase, p})
	}
	rows = append(rows, [2]string{lab.version, strconv.FormatUint(r.st.Seq, 10)})
	return rows
}

// boardCounts are the board's figures: objects by kind, and people.
func (r *renderer) boardCounts() [][2]string {
	people, _ := r.peopleCounts()
	var counts [][2]string
	for i, c := range r.m.counts {
		counts = append(counts, [2]string{r.lab.counts[i], strconv.Itoa(c)})
	}
	return append(counts, [2]string{r.lab.people, strconv.Itoa(people)})
}

// laneNames are the lanes' titles in order.
func (r *renderer) laneNames() []string {
	names := make([]string, len(r.m.lanes))
	for i, l := range r.m.lanes {
		names[i] = laneTitle(l, r.lab)
	}
	return names
}
