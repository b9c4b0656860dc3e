package export

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"

	"github.com/processkarta/processkarta/board"
)

// The HTML report is the same report as the PDF, as an accessible web
// page (WCAG 2.1 AA): headings, tables with header cells, the map as text
// and as an SVG image with a text alternative. It is made with the PDF
// and kept inside it (tagFile stores it in the catalog's /PieceInfo), so
// that it is always the same report as the file it came with and goes
// when the file goes; ReportHTML takes it out again. It is one file that
// needs nothing else: a municipality may publish it beside the PDF.

// htmlDoc is what the report template shows.
type htmlDoc struct {
	Lang, Title, Kind, H1, Sub, Skip, Contents string
	Style                                      template.CSS
	Sections                                   []htmlSection
	Note                                       string // the closing line: what this page is
}

// htmlSection is one section under an H2 heading.
type htmlSection struct {
	ID, H2 string
	Paras  []string
	Table  *htmlTable
	List   []string
	Map    *htmlMap
	Subs   []htmlSub
	After  []string // paragraphs after the table
}

// htmlSub is a part of a section under an H3 heading.
type htmlSub struct {
	H3    string
	Table *htmlTable
	List  []string
}

// htmlTable is a table whose first RowHeads cells of a row are row
// headers.
type htmlTable struct {
	Label    string // names the table's scrolling region: its heading
	Head     []string
	Rows     [][]string
	RowHeads int
}

// Cells splits a row into its header cells and its data cells, for the
// template.
func (t *htmlTable) Cells(row []string) [2][]string {
	n := min(t.RowHeads, len(row))
	return [2][]string{row[:n], row[n:]}
}

// htmlMap is a process map as text and as an image.
type htmlMap struct {
	ID, Intro, Outside, Arrows, ImageLabel, LaneWord string
	Lanes                                            []laneDesc
	OutsideItems, ArrowItems                         []string
	SVG                                              template.HTML
}

// Title and Items let the template read a lane.
func (l laneDesc) Title() string   { return l.title }
func (l laneDesc) Items() []string { return l.items }

// htmlMapOf describes the renderer's current map for the report.
func (r *renderer) htmlMapOf(id string) *htmlMap {
	d := r.describeMap(nil)
	return &htmlMap{ID: id, Intro: d.intro(r.lab), Outside: d.outsideLabel(r.lab), Arrows: r.lab.altArrows,
		ImageLabel: r.lab.htmlImage, LaneWord: r.lab.altLane, Lanes: d.lanes, OutsideItems: d.outside, ArrowItems: d.arrows,
		SVG: r.mapSVG(id, d)}
}

// table makes an htmlTable of rows under column titles.
func table(head []string, rows [][]string, rowHeads int) *htmlTable {
	out := &htmlTable{Head: head, RowHeads: rowHeads}
	for _, row := range rows {
		cells := make([]string, len(row))
		for i, c := range row {
			cells[i] = strings.TrimSpace(c)
		}
		out.Rows = append(out.Rows, cells)
	}
	return out
}

// boardReport is the report of a workshop's board.
func (r *renderer) boardReport() *htmlDoc {
	lab, m := r.lab, r.m
	title := r.clean(r.st.Info.Title)
	if title == "" {
		title = lab.mapTitle
	}
	sub := r.clean(r.opt.Municipality.Name)
	if s := r.opt.Strategy; s != nil {
		if t := strategyName(s, r.clean); t != "" {
			sub += " · " + t
		}
	}
	doc := &htmlDoc{Lang: langAttr(lab), Title: r.title, Kind: lab.docKind, H1: title, Sub: sub, Note: lab.htmlNote}
	var facts [][]string
	for _, f := range r.facts(title) {
		facts = append(facts, []string{f[0], f[1]})
	}
	doc.Sections = append(doc.Sections, htmlSection{ID: "fakta", H2: lab.factsTitle, Table: table([]string{lab.factsCols[0], lab.factsCols[1]}, facts, 1)})
	var counts []string
	for _, c := range r.boardCounts() {
		counts = append(counts, c[0]+": "+c[1])
	}
	summary := htmlSection{ID: "siffror", H2: lab.summary, List: counts}
	if names := r.laneNames(); len(names) > 0 {
		summary.After = []string{lab.lanesLine + ": " + strings.Join(names, " · ")}
	}
	doc.Sections = append(doc.Sections, summary)
	if m.empty {
		doc.Sections = append(doc.Sections, htmlSection{ID: "karta", H2: lab.mapTitle, Paras: []string{lab.mapEmpty, lab.mapEmptyEx}})
	} else if m.mapHasContent() {
		doc.Sections = append(doc.Sections, htmlSection{ID: "karta", H2: lab.mapTitle, Map: r.htmlMapOf("karta")})
	}
	if len(m.goals) > 0 {
		doc.Sections = append(doc.Sections, htmlSection{ID: "mal", H2: lab.goalsTitle, Paras: []string{lab.goalsIntro},
			Table: table(lab.goalCols[:], r.goalRows(), 2), After: []string{lab.goalLegend}})
	}
	if rows := r.boardActionRows(); len(rows) > 0 {
		rl := revLabelsFor(lab)
		doc.Sections = append(doc.Sections, htmlSection{ID: "atgarder", H2: rl.actionsTitle, Table: table(rl.actionCols[:5], rows, 1)})
	}
	if len(m.notes) > 0 {
		s := htmlSection{ID: "lappar", H2: lab.notesTitle, Paras: []string{lab.notesIntro}}
		cur := -2
		for _, n := range m.notes {
			if n.lane != cur || len(s.Subs) == 0 {
				cur = n.lane
				name := lab.noLane
				if cur >= 0 {
					name = laneTitle(m.lanes[cur], lab)
				}
				s.Subs = append(s.Subs, htmlSub{H3: name})
			}
			last := &s.Subs[len(s.Subs)-1]
			last.List = append(last.List, oneLine(r.noteText(n.it)))
		}
		doc.Sections = append(doc.Sections, s)
	}
	if people, observers := r.peopleCounts(); people+observers > 0 {
		total, obs := r.peopleSentences()
		s := htmlSection{ID: "deltagare", H2: lab.peopleTitle, Paras: []string{total}}
		if obs != "" {
			s.Paras = append(s.Paras, obs)
		}
		if cols, rows := r.participation(); len(rows) > 0 {
			s.Subs = append(s.Subs, htmlSub{H3: lab.perAdmin + " · " + lab.perPosition, Table: table(cols, rows, 1)})
		}
		if names := r.nameRows(); len(names) > 0 {
			s.Subs = append(s.Subs, htmlSub{H3: lab.namesTitle, Table: table(lab.nameCols[:], names, 1)})
		}
		doc.Sections = append(doc.Sections, s)
	}
	return doc
}

// boardActionRows are the board's actions in the order they stand on the
// map: title, owner, responsible, due date and status.
func (r *renderer) boardActionRows() [][]string {
	rl := revLabelsFor(r.lab)
	line := func(o *board.Object, name string) string { return orDash(r.clean(o.Text(name))) }
	var rows [][]string
	for _, it := range r.m.items {
		if it.kind != board.KindAction {
			continue
		}
		rows = append(rows, []string{line(it.o, "title"), line(it.o, "owner"), line(it.o, "responsible"), line(it.o, "due"), rl.status[it.status]})
	}
	return rows
}

// revisionReport is the report of a strategy revision.
func (r *renderer) revisionReport(rev *Revision, rl *revLabels) *htmlDoc {
	lab := r.lab
	title := strategyName(&rev.Strategy, r.clean)
	if title == "" {
		title = rl.report
	}
	doc := &htmlDoc{Lang: langAttr(lab), Title: r.title, Kind: rl.docKind, H1: title,
		Sub: r.clean(rev.Municipality.Name) + " · " + rl.report + " " + isoDate(r.opt.Date), Note: lab.htmlNote}
	doc.Sections = append(doc.Sections, htmlSection{ID: "siffror", H2: rl.cover, List: []string{
		rl.counts[0] + ": " + strconv.Itoa(len(rev.Workshops)), rl.counts[1] + ": " + strconv.Itoa(len(rev.Goals)),
		rl.counts[2] + ": " + strconv.Itoa(len(rev.Actions)), rl.counts[3] + ": " + strconv.Itoa(rev.People)}})
	ws := htmlSection{ID: "workshoppar", H2: rl.workshops, Paras: []string{rl.workshopsIntro}}
	if rows := r.workshopRows(rev); len(rows) > 0 {
		ws.Table = table(rl.workshopCols[:], rows, 1)
	}
	doc.Sections = append(doc.Sections, ws)
	goals := htmlSection{ID: "mal", H2: rl.goals, Paras: []string{rl.goalsIntro}}
	if rows := r.revisionGoalRows(rev); len(rows) > 0 {
		goals.Table = table(rl.goalCols[:], rows, 2)
	} else {
		goals.Paras = append(goals.Paras, rl.none)
	}
	doc.Sections = append(doc.Sections, goals)
	acts := htmlSection{ID: "atgarder", H2: rl.actions, Paras: []string{rl.actionsIntro}}
	for _, g := range r.actionGroups(rev, rl) {
		acts.Subs = append(acts.Subs, htmlSub{H3: g.head, Table: table(rl.actionCols[:], g.rows, 1)})
	}
	if len(acts.Subs) == 0 {
		acts.Paras = append(acts.Paras, rl.none)
	}
	doc.Sections = append(doc.Sections, acts)
	byPos, byAdmin := r.revisionPeopleRows(rev)
	people := htmlSection{ID: "deltagande", H2: rl.people, Paras: []string{rl.peopleIntro, rl.small},
		Subs: []htmlSub{{H3: lab.perPosition, Table: table([]string{lab.perPosition, lab.count}, byPos, 1)}}}
	if len(byAdmin) > 0 {
		people.Subs = append(people.Subs, htmlSub{H3: lab.perAdmin, Table: table([]string{lab.perAdmin, lab.count}, byAdmin, 1)})
	}
	doc.Sections = append(doc.Sections, people)
	return doc
}

// workshopSection is a revision's workshop map in the report.
func (r *renderer) workshopSection(i int, heading string) htmlSection {
	s := htmlSection{ID: fmt.Sprintf("karta-%d", i+1), H2: heading}
	if !r.m.mapHasContent() {
		s.Paras = []string{r.lab.mapEmpty, r.lab.mapEmptyEx}
		return s
	}
	s.Map = r.htmlMapOf(s.ID)
	return s
}

// langAttr is the report's lang attribute.
func langAttr(lab *labels) string {
	if lab == en {
		return "en"
	}
	return "sv"
}
