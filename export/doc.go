package export

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"codeberg.org/go-pdf/fpdf"

	"github.com/processkarta/processkarta/board"
)

type pageKind int

const (
	pageA4P pageKind = iota // text: header, notes, participants
	pageA4L                 // the goal table
	pageA3L                 // the map
)

const (
	marginA4 = 18.0
	footerH  = 14.0 // room kept at the bottom of every page for the footer
	nbAlias  = "{nb}"
)

// pageSize returns the width and height in mm of a page kind.
func (k pageKind) size() (float64, float64) {
	switch k {
	case pageA4L:
		return 297, 210
	case pageA3L:
		return 420, 297
	}
	return 210, 297
}

func (r *renderer) addPage(k pageKind) {
	r.kind = k
	switch k {
	case pageA4P:
		r.pdf.AddPageFormat("P", fpdf.SizeType{Wd: 210, Ht: 297})
	case pageA4L:
		r.pdf.AddPageFormat("L", fpdf.SizeType{Wd: 210, Ht: 297})
	case pageA3L:
		r.pdf.AddPageFormat("L", fpdf.SizeType{Wd: 297, Ht: 420})
	}
	r.y = marginA4
}

// bottom is the lowest y text may reach on the current page.
func (r *renderer) bottom() float64 {
	_, h := r.kind.size()
	return h - marginA4 - footerH + 8
}

// width is the text width of the current page.
func (r *renderer) width() float64 {
	w, _ := r.kind.size()
	return w - 2*marginA4
}

// need starts a new page of the same kind unless h mm fit below r.y, and
// reports whether it did.
func (r *renderer) need(h float64) bool {
	if r.y+h <= r.bottom() {
		return false
	}
	r.addPage(r.kind)
	return true
}

// font selects the regular face, or the bold one when style is "B".
func (r *renderer) font(style string, pt float64) {
	if style == "B" {
		r.pdf.SetFont(boldKey, "", pt)
	} else {
		r.pdf.SetFont(regularKey, "", pt)
	}
}

func (r *renderer) color(c rgb) { r.pdf.SetTextColor(c.r, c.g, c.b) }

func (r *renderer) footer() {
	pdf := r.pdf
	w, h := pdf.GetPageSize()
	left, right := marginA4, w-marginA4
	if w > 400 {
		left, right = mapMargin, w-mapMargin
	}
	y := h - 7
	pdf.SetDrawColor(colRule.r, colRule.g, colRule.b)
	pdf.SetLineWidth(0.2)
	pdf.Line(left, y-4.5, right, y-4.5)
	r.font("", 7.5)
	r.color(colMuted)
	n := pdf.PageNo()
	// The total is an alias replaced when the document closes; its width is
	// taken as that of this page's number, exact on the last page.
	pageText := fmt.Sprintf(r.lab.page, n, nbAlias)
	wText := pdf.GetStringWidth(fmt.Sprintf(r.lab.page, n, strconv.Itoa(n)))
	short := r.short
	if max := right - left - wText - 10; pdf.GetStringWidth(short) > max {
		short = cutToWidth(pdf, short, max)
	}
	pdf.Text(left, y, short)
	pdf.Text(right-wText, y, pageText)
}

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
	r.heading(lab.contents, 12)
	w := r.width()
	for _, row := range rows {
		r.need(7)
		r.font("", 10)
		r.color(colInk)
		base := r.y + 0.8*10*ptMM + (10*ptMM*lineGap-10*ptMM)/2
		r.pdf.Text(marginA4, base, fitWidth(r.pdf, row[0], w-30))
		r.color(colMuted)
		r.pdf.Text(marginA4+w-22, base, fmt.Sprintf(lab.pageShort, row[1]))
		r.y += 10*ptMM*lineGap + 1.5
		r.pdf.SetDrawColor(0xe5, 0xe7, 0xeb)
		r.pdf.SetLineWidth(0.15)
		r.pdf.Line(marginA4, r.y-0.8, marginA4+w, r.y-0.8)
	}
}

// header writes the first page's block: what, where, when, who.
func (r *renderer) header() {
	pdf, lab, o := r.pdf, r.lab, r.opt
	w := r.width()
	// A band of the accent colour marks the document's top.
	pdf.SetFillColor(colAccent.r, colAccent.g, colAccent.b)
	pdf.Rect(marginA4, r.y, w, 1.6, "F")
	r.y += 7
	r.font("", 9)
	r.color(colMuted)
	pdf.Text(marginA4, r.y, lab.docKind)
	r.y += 4

	title := r.clean(r.st.Info.Title)
	if title == "" {
		title = lab.mapTitle
	}
	r.font("B", 22)
	r.color(colInk)
	ft := fit(pdf, title, w, 40, 22, 14)
	r.drawLines(ft, marginA4, w, false)

	sub := r.clean(o.Municipality.Name)
	if s := o.Strategy; s != nil {
		if t := strategyName(s, r.clean); t != "" {
			sub += " · " + t
		}
	}
	r.font("", 13)
	r.color(colMuted)
	r.drawLines(fit(pdf, sub, w, 20, 13, 9), marginA4, w, false)
	r.y += 6

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
	facil := r.clean(o.Facilitator)
	if facil == "" {
		facil = lab.noFacil
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
	r.keyValues(rows, 48)
	r.y += 6

	r.heading(lab.summary, 12)
	m := r.m
	people, _ := r.peopleCounts()
	counts := [][2]string{}
	for i, c := range m.counts {
		counts = append(counts, [2]string{lab.counts[i], strconv.Itoa(c)})
	}
	counts = append(counts, [2]string{lab.people, strconv.Itoa(people)})
	r.countGrid(counts)
	if len(m.lanes) > 0 {
		names := make([]string, len(m.lanes))
		for i, l := range m.lanes {
			names[i] = laneTitle(l, lab)
		}
		r.y += 2
		r.font("B", 9)
		r.color(colInk)
		r.para(lab.lanesLine, 9, "B", colInk)
		r.para(strings.Join(names, " · "), 9.5, "", colInk)
	}
	r.contents()
}

func laneTitle(l *lane, lab *labels) string {
	if l.title == "" {
		return lab.noLaneTitle
	}
	return l.title
}

// drawLines writes laid-out text from r.y down, left-aligned at x.
func (r *renderer) drawLines(ft fitted, x, w float64, centre bool) {
	if len(ft.lines) == 0 {
		return
	}
	lh := ft.size * ptMM * lineGap
	h := lh * float64(len(ft.lines))
	drawFitted(r.pdf, ft, x, r.y, w, h, !centre)
	r.y += h
}

// para writes a paragraph that may run over pages.
func (r *renderer) para(s string, pt float64, style string, c rgb) {
	r.paraAt(s, pt, style, c, marginA4, r.width())
}

func (r *renderer) paraAt(s string, pt float64, style string, c rgb, x, w float64) {
	r.font(style, pt)
	lines := measure(r.pdf, s).wrap(w*1000/(pt*ptMM), 0, true)
	lh := pt * ptMM * lineGap
	for _, l := range lines {
		if r.need(lh) {
			r.font(style, pt)
		}
		r.color(c)
		r.pdf.Text(x, r.y+0.8*pt*ptMM+(lh-pt*ptMM)/2, l)
		r.y += lh
	}
}

func (r *renderer) heading(s string, pt float64) {
	r.need(pt*ptMM*lineGap*2 + 12)
	r.font("B", pt)
	r.color(colInk)
	r.drawLines(fit(r.pdf, s, r.width(), 30, pt, pt*0.7), marginA4, r.width(), false)
	r.y += 1.5
}

// keyValues writes label: value rows in two columns.
func (r *renderer) keyValues(rows [][2]string, labelW float64) {
	w := r.width()
	for _, kv := range rows {
		r.font("", 10)
		ft := fit(r.pdf, kv[1], w-labelW, 60, 10, 7)
		lh := 10 * ptMM * lineGap
		h := max(lh, float64(len(ft.lines))*ft.size*ptMM*lineGap)
		r.need(h + 1.5)
		r.font("", 9)
		r.color(colMuted)
		r.pdf.Text(marginA4, r.y+0.8*9*ptMM+(lh-9*ptMM)/2, kv[0])
		r.font("", 10)
		r.color(colInk)
		drawFitted(r.pdf, ft, marginA4+labelW, r.y, w-labelW, h, true)
		r.y += h + 1.5
		r.pdf.SetDrawColor(0xe5, 0xe7, 0xeb)
		r.pdf.SetLineWidth(0.15)
		r.pdf.Line(marginA4, r.y-0.8, marginA4+w, r.y-0.8)
	}
}

// countGrid writes label and number pairs in boxes, four to a row.
func (r *renderer) countGrid(items [][2]string) {
	const perRow, gap, h = 4, 3.0, 15.0
	w := r.width()
	bw := (w - gap*(perRow-1)) / perRow
	for i, it := range items {
		if i%perRow == 0 {
			if i > 0 {
				r.y += h + gap
			}
			r.need(h)
		}
		x := marginA4 + float64(i%perRow)*(bw+gap)
		r.pdf.SetFillColor(0xf1, 0xf5, 0xf9)
		r.pdf.Rect(x, r.y, bw, h, "F")
		r.font("B", 14)
		r.color(colInk)
		r.pdf.Text(x+3, r.y+7, it[1])
		r.font("", 8)
		r.color(colMuted)
		r.pdf.Text(x+3, r.y+12, it[0])
	}
	r.y += h + 4
}

// emptyNotice says plainly that there is no map.
func (r *renderer) emptyNotice() {
	r.y += 4
	h := 26.0
	r.need(h)
	w := r.width()
	r.pdf.SetFillColor(0xf8, 0xfa, 0xfc)
	r.pdf.SetDrawColor(colRule.r, colRule.g, colRule.b)
	r.pdf.SetLineWidth(0.3)
	r.pdf.Rect(marginA4, r.y, w, h, "DF")
	r.pdf.Bookmark(r.lab.mapTitle, 0, r.y)
	top := r.y
	r.y += 4
	r.paraAt(r.lab.mapEmpty, 14, "B", colInk, marginA4+5, w-10)
	r.y += 1
	r.paraAt(r.lab.mapEmptyEx, 9.5, "", colMuted, marginA4+5, w-10)
	r.y = top + h + 6
}

// column is a table column: its header, width in mm and alignment.
type column struct {
	title string
	w     float64
	align byte // 'L' or 'C'
}

// table writes rows under a header that repeats on every page; a row too
// tall for a page runs on to the next.
func (r *renderer) table(cols []column, rows [][]string, boldFirst int, pt float64) {
	const pad = 1.4
	pdf := r.pdf
	lh := pt * ptMM * lineGap
	// Headers shrink rather than break a word; they are short.
	headH := 0.0
	var heads []fitted
	for _, c := range cols {
		r.font("B", pt-0.5)
		ft := fit(pdf, c.title, c.w-2*pad, 3*lh, pt-0.5, 5)
		heads = append(heads, ft)
		headH = max(headH, float64(len(ft.lines))*ft.size*ptMM*lineGap)
	}
	headH += 2 * pad
	header := func() {
		x := marginA4
		pdf.SetFillColor(0xe2, 0xe8, 0xf0)
		pdf.Rect(x, r.y, r.width(), headH, "F")
		r.font("B", pt-0.5)
		r.color(colInk)
		for i, c := range cols {
			drawFitted(pdf, heads[i], x+pad, r.y+pad, c.w-2*pad, headH-2*pad, c.align == 'L')
			x += c.w
		}
		r.y += headH
	}
	r.need(headH + lh + 2*pad)
	header()
	type cell struct {
		lines []string
		size  float64 // points; smaller than pt when a word is wider than the column
		lh    float64
		done  int
	}
	for ri, row := range rows {
		cells := make([]cell, len(cols))
		for i, c := range cols {
			r.font(style(i, boldFirst), pt)
			m := measure(pdf, row[i])
			size := pt
			lines := m.wrap((c.w-2*pad)*1000/(size*ptMM), 0, true)
			// A long word that cannot be hyphenated at a compound's joint
			// rather shrinks a little than breaks anywhere.
			for m.broke && size > pt*0.75 {
				size = max(pt*0.75, size*0.93)
				lines = m.wrap((c.w-2*pad)*1000/(size*ptMM), 0, true)
			}
			cells[i] = cell{lines: lines, size: size, lh: size * ptMM * lineGap}
		}
		left := func() (need float64) {
			for _, c := range cells {
				need = max(need, float64(len(c.lines)-c.done)*c.lh)
			}
			return need
		}
		for first := true; first || left() > 0; first = false {
			need := left()
			avail := r.bottom() - r.y - 2*pad
			if avail < min(need, 3*lh) {
				r.addPage(r.kind)
				header()
				continue
			}
			take := min(avail, need)
			h := 0.0
			ks := make([]int, len(cells))
			for i, c := range cells {
				ks[i] = min(len(c.lines)-c.done, int(take/c.lh+1e-9))
				h = max(h, float64(ks[i])*c.lh)
			}
			h = max(h, lh) + 2*pad
			if ri%2 == 1 {
				pdf.SetFillColor(0xf8, 0xfa, 0xfc)
				pdf.Rect(marginA4, r.y, r.width(), h, "F")
			}
			x := marginA4
			for i, col := range cols {
				c := &cells[i]
				r.font(style(i, boldFirst), c.size)
				r.color(colInk)
				sizeMM := c.size * ptMM
				for j := 0; j < ks[i]; j++ {
					l := c.lines[c.done+j]
					lx := x + pad
					if col.align == 'C' {
						lx = x + (col.w-pdf.GetStringWidth(l))/2
					}
					pdf.Text(lx, r.y+pad+float64(j)*c.lh+(c.lh-sizeMM)/2+0.8*sizeMM, l)
				}
				c.done += ks[i]
				x += col.w
			}
			r.y += h
			pdf.SetDrawColor(colRule.r, colRule.g, colRule.b)
			pdf.SetLineWidth(0.15)
			pdf.Line(marginA4, r.y, marginA4+r.width(), r.y)
		}
	}
	r.y += 3
}

// style is the font style of column i when the first n are bold.
func style(i, n int) string {
	if i < n {
		return "B"
	}
	return ""
}

func (r *renderer) goalTable() {
	lab := r.lab
	r.addPage(pageA4L)
	r.startSection(tocGoals)
	r.pdf.Bookmark(lab.goalsTitle, 0, r.y)
	r.heading(lab.goalsTitle, 14)
	r.para(lab.goalsIntro, 9, "", colMuted)
	r.y += 3
	widths := []float64{11, 38, 50, 40, 35, 42, 13, 10, 10, 10, 10}
	cols := make([]column, len(widths))
	for i, w := range widths {
		cols[i] = column{title: lab.goalCols[i], w: w, align: 'L'}
		if i == 0 || i >= 6 {
			cols[i].align = 'C'
		}
	}
	var rows [][]string
	for _, g := range r.m.goals {
		row := []string{strconv.Itoa(g.place), g.title, g.desc, g.target, g.indicator, g.owner, strconv.Itoa(g.votes)}
		for _, p := range board.Positions {
			row = append(row, strconv.Itoa(g.byPos[p]))
		}
		if g.title == "" {
			row[1] = lab.noLaneTitle
		}
		rows = append(rows, row)
	}
	r.table(cols, rows, 2, 8)
	r.para(lab.goalLegend, 8, "", colMuted)
}

func (r *renderer) notesSection() {
	lab := r.lab
	r.addPage(pageA4P)
	r.startSection(tocNotes)
	r.pdf.Bookmark(lab.notesTitle, 0, r.y)
	r.heading(lab.notesTitle, 14)
	r.para(lab.notesIntro, 9, "", colMuted)
	r.y += 2
	cur := -2
	for _, n := range r.m.notes {
		if n.lane != cur {
			cur = n.lane
			name := lab.noLane
			swatch := rgb{0xe5, 0xe7, 0xeb}
			if cur >= 0 {
				name = laneTitle(r.m.lanes[cur], lab)
				swatch = r.m.lanes[cur].color
			}
			r.y += 3
			r.need(20)
			r.pdf.Bookmark(name, 1, r.y)
			r.pdf.SetFillColor(swatch.r, swatch.g, swatch.b)
			r.pdf.Rect(marginA4, r.y+0.5, 2.2, 5.5, "F")
			r.font("B", 11.5)
			r.color(colInk)
			ft := fit(r.pdf, name, r.width()-5, 12, 11.5, 8)
			r.y += 0.3
			r.drawLines(ft, marginA4+5, r.width()-5, false)
			r.y += 1.5
		}
		it := n.it
		text := it.text
		if strings.TrimSpace(text) == "" {
			text = "–"
		}
		if it.votes == 1 {
			text += " (" + lab.oneVote + ")"
		} else if it.votes > 1 {
			text += " (" + fmt.Sprintf(lab.votesFmt, it.votes) + ")"
		}
		r.need(10)
		r.pdf.SetFillColor(it.fill.r, it.fill.g, it.fill.b)
		r.pdf.SetDrawColor(it.line.r, it.line.g, it.line.b)
		r.pdf.SetLineWidth(0.2)
		r.pdf.Rect(marginA4+5, r.y+1, 3.2, 3.2, "DF")
		r.paraAt(text, 9.5, "", colInk, marginA4+11, r.width()-11)
		r.y += 1.8
	}
}

// peopleCounts returns how many took part (observers left out) and how
// many observers there were.
func (r *renderer) peopleCounts() (people, observers int) {
	for _, p := range r.st.Participants {
		if p.Role == board.RoleObserver {
			observers++
		} else {
			people++
		}
	}
	return people, observers
}

func (r *renderer) participants() {
	lab := r.lab
	people, observers := r.peopleCounts()
	if people == 0 && observers == 0 {
		return
	}
	if r.kind != pageA4P || r.y > r.bottom()-70 {
		r.addPage(pageA4P)
	} else {
		r.y += 6
	}
	r.startSection(tocPeople)
	r.pdf.Bookmark(lab.peopleTitle, 0, r.y)
	r.heading(lab.peopleTitle, 14)
	total := fmt.Sprintf(lab.peopleTotal, people)
	if people == 1 {
		total = lab.peopleOne
	}
	r.para(total, 10, "", colInk)
	if observers == 1 {
		r.para(lab.observerOne, 9, "", colMuted)
	} else if observers > 1 {
		r.para(fmt.Sprintf(lab.observers, observers), 9, "", colMuted)
	}
	r.y += 3

	type adminRow struct {
		name  string
		byPos map[string]int
		total int
	}
	admins := map[string]*adminRow{}
	totals := map[string]int{}
	var list []*board.Participant
	for _, p := range r.st.Participants {
		if p.Role == board.RoleObserver {
			continue
		}
		list = append(list, p)
		name := r.clean(p.Administration)
		if name == "" {
			name = lab.noAdmin
		}
		a := admins[name]
		if a == nil {
			a = &adminRow{name: name, byPos: map[string]int{}}
			admins[name] = a
		}
		pos := p.Position
		if !slices.Contains(board.Positions, pos) {
			pos = board.PositionOther
		}
		a.byPos[pos]++
		a.total++
		totals[pos]++
	}
	if people > 0 {
		rowsA := make([]*adminRow, 0, len(admins))
		for _, a := range admins {
			rowsA = append(rowsA, a)
		}
		slices.SortFunc(rowsA, func(a, b *adminRow) int {
			return cmp.Or(cmp.Compare(b.total, a.total), compareText(a.name, b.name))
		})
		r.heading(lab.perAdmin+" · "+lab.perPosition, 11)
		cols := []column{{title: lab.nameCols[1], w: 58, align: 'L'}}
		for _, p := range board.Positions {
			cols = append(cols, column{title: lab.positions[p], w: 25, align: 'C'})
		}
		cols = append(cols, column{title: lab.count, w: 16, align: 'C'})
		var rows [][]string
		for _, a := range rowsA {
			row := []string{a.name}
			for _, p := range board.Positions {
				row = append(row, strconv.Itoa(a.byPos[p]))
			}
			rows = append(rows, append(row, strconv.Itoa(a.total)))
		}
		sum := []string{lab.total}
		for _, p := range board.Positions {
			sum = append(sum, strconv.Itoa(totals[p]))
		}
		rows = append(rows, append(sum, strconv.Itoa(people)))
		r.table(cols, rows, 1, 9)
	}
	if r.opt.Names && len(list) > 0 {
		slices.SortFunc(list, func(a, b *board.Participant) int {
			aa, ba := r.clean(a.Administration), r.clean(b.Administration)
			// Those who gave no administration come last.
			return cmp.Or(cmp.Compare(boolInt(aa == ""), boolInt(ba == "")), compareText(aa, ba),
				compareText(r.clean(a.Name), r.clean(b.Name)), cmp.Compare(a.ID, b.ID))
		})
		r.y += 3
		r.pdf.Bookmark(lab.namesTitle, 1, r.y)
		r.heading(lab.namesTitle, 11)
		cols := []column{{lab.nameCols[0], 54, 'L'}, {lab.nameCols[1], 60, 'L'}, {lab.nameCols[2], 30, 'L'}, {lab.nameCols[3], 30, 'L'}}
		var rows [][]string
		for _, p := range list {
			admin := r.clean(p.Administration)
			if admin == "" {
				admin = "–"
			}
			pos := lab.positions[p.Position]
			if pos == "" {
				pos = lab.positions[board.PositionOther]
			}
			rows = append(rows, []string{r.clean(p.Name), admin, pos, lab.roles[p.Role]})
		}
		r.table(cols, rows, 0, 9)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
