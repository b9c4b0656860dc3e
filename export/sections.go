package export

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/processkarta/processkarta/board"
)

func laneTitle(l *lane, lab *labels) string {
	if l.title == "" {
		return lab.noLaneTitle
	}
	return l.title
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

func (r *renderer) goalTable() {
	lab := r.lab
	r.sectionPage(pageA4L, tocGoals, lab.goalsTitle, lab.goalsIntro)
	r.y += 3
	cols := columns(lab.goalCols[:], 11, 38, 50, 40, 35, 42, 13, 10, 10, 10, 10)
	for i := range cols {
		if i == 0 || i >= 6 {
			cols[i].align = 'C'
		}
	}
	r.table(cols, r.goalRows(), 2, 8)
	r.para(lab.goalLegend, 8, "", colMuted)
}

func (r *renderer) notesSection() {
	lab := r.lab
	r.sectionPage(pageA4P, tocNotes, lab.notesTitle, lab.notesIntro)
	r.y += 2
	cur := -2
	list := false // a list of a lane's notes is open
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
			if list {
				r.tag.pop()
			}
			r.font("B", 11.5)
			r.color(colInk)
			ft := fit(r.pdf, name, r.width()-5, 12, 11.5, 8)
			r.y += 0.3
			r.tag.leaf("H3", func() { r.drawLines(ft, marginA4+5, r.width()-5, false) })
			r.y += 1.5
			r.tag.push("L")
			list = true
		}
		it := n.it
		text := r.noteText(it)
		r.need(10)
		r.pdf.SetFillColor(it.fill.r, it.fill.g, it.fill.b)
		r.pdf.SetDrawColor(it.line.r, it.line.g, it.line.b)
		r.pdf.SetLineWidth(0.2)
		r.pdf.Rect(marginA4+5, r.y+1, 3.2, 3.2, "DF")
		r.tag.push("LI")
		r.tag.leaf("LBody", func() { r.lines(text, 9.5, "", colInk, marginA4+11, r.width()-11) })
		r.tag.pop()
		r.y += 1.8
	}
	if list {
		r.tag.pop()
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
	r.heading("H2", lab.peopleTitle, 14)
	total, obs := r.peopleSentences()
	r.para(total, 10, "", colInk)
	if obs != "" {
		r.para(obs, 9, "", colMuted)
	}
	r.y += 3

	cols, rows := r.participation()
	if len(rows) > 0 {
		r.heading("H3", lab.perAdmin+" · "+lab.perPosition, 11)
		tcols := []column{{title: cols[0], w: 58, align: 'L'}}
		for _, c := range cols[1 : len(cols)-1] {
			tcols = append(tcols, column{title: c, w: 25, align: 'C'})
		}
		tcols = append(tcols, column{title: cols[len(cols)-1], w: 16, align: 'C'})
		r.table(tcols, rows, 1, 9)
	}
	if names := r.nameRows(); len(names) > 0 {
		r.y += 3
		r.pdf.Bookmark(lab.namesTitle, 1, r.y)
		r.heading("H3", lab.namesTitle, 11)
		cols := []column{{lab.nameCols[0], 54, 'L'}, {lab.nameCols[1], 60, 'L'}, {lab.nameCols[2], 30, 'L'}, {lab.nameCols[3], 30, 'L'}}
		r.table(cols, names, 0, 9)
	}
}

// goalRows are the goal table's rows, in rank order: rank, title,
// description, target, indicator, owner, votes and votes by position.
func (r *renderer) goalRows() [][]string {
	var rows [][]string
	for _, g := range r.m.goals {
		row := []string{strconv.Itoa(g.place), g.title, g.desc, g.target, g.indicator, g.owner, strconv.Itoa(g.votes)}
		for _, p := range board.Positions {
			n, ok := g.byPos[p]
			if !ok && r.m.anonymous && g.votes > 0 {
				// Left out: fewer than three voters would be told apart.
				row = append(row, "–")
				continue
			}
			row = append(row, strconv.Itoa(n))
		}
		if g.title == "" {
			row[1] = r.lab.noLaneTitle
		}
		rows = append(rows, row)
	}
	return rows
}

// noteText is a note as the notes section lists it: its text and votes.
func (r *renderer) noteText(it *item) string {
	text := it.text
	if strings.TrimSpace(text) == "" {
		text = "–"
	}
	if it.votes == 1 {
		text += " (" + r.lab.oneVote + ")"
	} else if it.votes > 1 {
		text += " (" + fmt.Sprintf(r.lab.votesFmt, it.votes) + ")"
	}
	return text
}

// participation is the table of people by administration and position:
// the column titles and the rows, the total last. Counts, not people: an
// administration with fewer than 3 people is not named on its own but
// gathered into one row, and any cell of 1 or 2 people says "fewer than
// 3". No rows when nobody took part.
func (r *renderer) participation() (cols []string, rows [][]string) {
	lab := r.lab
	type adminRow struct {
		name  string
		byPos map[string]int
		total int
	}
	admins := map[string]*adminRow{}
	totals := map[string]int{}
	people := 0
	for _, p := range r.st.Participants {
		if p.Role == board.RoleObserver {
			continue
		}
		people++
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
	cols = []string{lab.nameCols[1]}
	for _, p := range board.Positions {
		cols = append(cols, lab.positions[p])
	}
	cols = append(cols, lab.count)
	if people == 0 {
		return cols, nil
	}
	rowsA := make([]*adminRow, 0, len(admins))
	other := &adminRow{name: lab.otherAdmins, byPos: map[string]int{}}
	for _, a := range admins {
		if a.total < 3 {
			for p, n := range a.byPos {
				other.byPos[p] += n
			}
			other.total += a.total
			continue
		}
		rowsA = append(rowsA, a)
	}
	slices.SortFunc(rowsA, func(a, b *adminRow) int {
		return cmp.Or(cmp.Compare(b.total, a.total), compareText(a.name, b.name))
	})
	if other.total > 0 {
		rowsA = append(rowsA, other) // last, whatever its size
	}
	cell := func(n int) string {
		if n == 1 || n == 2 {
			return lab.fewer
		}
		return strconv.Itoa(n)
	}
	for _, a := range rowsA {
		row := []string{a.name}
		for _, p := range board.Positions {
			row = append(row, cell(a.byPos[p]))
		}
		rows = append(rows, append(row, cell(a.total)))
	}
	sum := []string{lab.total}
	for _, p := range board.Positions {
		sum = append(sum, cell(totals[p]))
	}
	return cols, append(rows, append(sum, strconv.Itoa(people)))
}

// nameRows lists the participants (observers left out) by administration
// and name, only when the facilitator asked for names: name,
// administration, position, role.
func (r *renderer) nameRows() [][]string {
	if !r.opt.Names {
		return nil
	}
	lab := r.lab
	var list []*board.Participant
	for _, p := range r.st.Participants {
		if p.Role != board.RoleObserver {
			list = append(list, p)
		}
	}
	slices.SortFunc(list, func(a, b *board.Participant) int {
		aa, ba := r.clean(a.Administration), r.clean(b.Administration)
		// Those who gave no administration come last.
		return cmp.Or(cmp.Compare(boolInt(aa == ""), boolInt(ba == "")), compareText(aa, ba),
			compareText(r.clean(a.Name), r.clean(b.Name)), cmp.Compare(a.ID, b.ID))
	})
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
	return rows
}

// peopleSentences say how many took part and how many observers were
// there besides ("" for none).
func (r *renderer) peopleSentences() (total, observers string) {
	lab := r.lab
	people, obs := r.peopleCounts()
	total = fmt.Sprintf(lab.peopleTotal, people)
	if people == 1 {
		total = lab.peopleOne
	}
	if obs == 1 {
		observers = lab.observerOne
	} else if obs > 1 {
		observers = fmt.Sprintf(lab.observers, obs)
	}
	return total, observers
}
