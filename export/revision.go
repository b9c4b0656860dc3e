package export

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/processkarta/processkarta/board"
)

// Actions on the map: a card with the action's title and owner, its status
// in a chip at the bottom, linked to its goal area.
const (
	actionW, actionH = 360.0, 130.0 // as the board's client draws an action card
	chipH            = 26.0         // the status chip's height in board pixels
)

var (
	colAction     = rgb{0xff, 0xff, 0xff}
	colActionLine = rgb{0x0f, 0x76, 0x6e}
	// Status chips: dark text on a light fill, 4.5:1 and more.
	chipColors = map[string][2]rgb{
		board.StatusPlanned: {{0xe2, 0xe8, 0xf0}, {0x1e, 0x29, 0x3b}},
		board.StatusOngoing: {{0xfe, 0xf3, 0xc7}, {0x78, 0x35, 0x0f}},
		board.StatusDone:    {{0xdc, 0xfc, 0xe7}, {0x14, 0x53, 0x2d}},
	}
)

// actionText is what an action card says: its title, then who owns it
// and by when.
func actionText(o *board.Object, line func(*board.Object, string) string) string {
	t := line(o, "title")
	var more []string
	for _, p := range []string{"owner", "responsible", "due"} {
		if s := line(o, p); s != "" {
			more = append(more, s)
		}
	}
	if len(more) > 0 {
		t += "\n" + strings.Join(more, " · ")
	}
	return t
}

// statusChip draws an action's status at the bottom left of its card.
func (r *renderer) statusChip(v *view, it *item, x, y, w, h float64) {
	lab := revLabelsFor(r.lab)
	text := lab.status[it.status]
	c := chipColors[it.status]
	pad := 8 * v.s
	ch := math.Min(chipH*v.s, h/3)
	r.font("B", 10)
	size := math.Max(4, math.Min(11, ch/ptMM*0.62))
	r.pdf.SetFontSize(size)
	cw := math.Min(r.pdf.GetStringWidth(text)+2*pad, w-2*pad)
	cy := y + h - ch - pad/2
	r.fill(c[0])
	r.draw(c[0])
	r.pdf.RoundedRect(x+pad, cy, cw, ch, ch/2, "1234", "F")
	r.color(c[1])
	r.pdf.Text(x+2*pad, cy+ch/2+size*ptMM*0.35, cutToWidth(r.pdf, text, cw-2*pad))
}

// revLabels are the revision report's words.
type revLabels struct {
	docKind, report, cover, goals, goalsIntro, actions, actionsIntro, noGoal, workshops, workshopsIntro string
	actionsTitle                                                                                        string // a workshop's actions
	people, peopleIntro, small, mapOf, none                                                             string
	goalCols                                                                                            [6]string
	actionCols                                                                                          [6]string
	workshopCols                                                                                        [4]string
	status                                                                                              map[string]string
	counts                                                                                              [4]string
}

var revSv, revEn = revLabelsIn(true), revLabelsIn(false)

// revLabelsIn returns the revision report's words in Swedish (sv) or in
// English. Each word stands beside its translation, so that none goes
// missing in one language.
func revLabelsIn(sv bool) *revLabels {
	w := func(swedish, english string) string {
		if sv {
			return swedish
		}
		return english
	}
	return &revLabels{
		docKind:        w("REVISIONSRAPPORT", "REVISION REPORT"),
		report:         w("Revisionsrapport", "Revision report"),
		cover:          w("Översikt", "Overview"),
		goals:          w("Målområden i prioritetsordning", "Goal areas by priority"),
		goalsIntro:     w("Rangordningen från den senaste workshop som arbetade med målområden.", "The ranking of the latest workshop that worked on goal areas."),
		actions:        w("Åtgärder per målområde", "Actions by goal area"),
		actionsTitle:   w("Åtgärder", "Actions"),
		actionsIntro:   w("Alla åtgärder från revisionens workshoppar, under sina målområden.", "Every action of the revision's workshops, under its goal area."),
		noGoal:         w("Utan målområde", "No goal area"),
		workshops:      w("Workshoppar", "Workshops"),
		workshopsIntro: w("Workshopparna i revisionen, i den ordning de skapades.", "The revision's workshops in the order they were created."),
		people:         w("Förankring: deltagande", "Participation"),
		peopleIntro: w("Antal deltaganden i revisionens workshoppar, per befattning och förvaltning. Inga namn.",
			"Participations in the revision's workshops by position and administration. No names."),
		small: w("Celler med 1–2 personer visas som –, så att ingen kan pekas ut.", "Cells of 1–2 people show as – so that no one can be singled out."),
		mapOf: w("Processkarta: %s", "Process map: %s"),
		none:  "–",
		goalCols: [6]string{w("Rang", "Rank"), w("Målområde", "Goal area"), w("Beskrivning", "Description"), w("Målsättning", "Target"),
			w("Indikator", "Indicator"), w("Ansvarig", "Owner")},
		actionCols: [6]string{w("Åtgärd", "Action"), w("Ansvarig förvaltning", "Owning administration"), w("Ansvarig", "Responsible"),
			w("Klart senast", "Due"), "Status", "Workshop"},
		workshopCols: [4]string{"Workshop", w("Datum", "Date"), w("Deltagare", "Participants"), w("Fortsättning på", "Continues")},
		status: map[string]string{board.StatusPlanned: w("Planerad", "Planned"), board.StatusOngoing: w("Pågår", "Ongoing"),
			board.StatusDone: w("Klar", "Done")},
		counts: [4]string{w("workshoppar", "workshops"), w("målområden", "goal areas"), w("åtgärder", "actions"), w("deltaganden", "participations")},
	}
}

func revLabelsFor(l *labels) *revLabels {
	if l == en {
		return revEn
	}
	return revSv
}

// Revision is what a revision report shows: a strategy revision's ranked
// goal areas, its actions, its workshops (each with its board, for the
// map) and how many took part. Counts only, never names.
type Revision struct {
	Municipality board.Municipality
	Strategy     board.Strategy
	Goals        []board.GoalArea // ranked
	Actions      []RevisionAction // in the order of their goals
	Workshops    []Workshop
	People       int
	ByPosition   map[string]int
	ByAdmin      map[string]int
}

// RevisionAction is an action with the title of its goal area (as the
// revision's goals name it; "" for none) and its workshop's title.
type RevisionAction struct {
	board.Action
	GoalTitle string
	Workshop  string
}

// Workshop is one board of the revision.
type Workshop struct {
	State  *board.State
	Date   time.Time
	People int
	From   string // the title of the board it continues
}

// RenderRevision returns the revision report: a cover with the revision's
// figures, the goal areas ranked with targets and indicators, the actions
// per goal with owners and dates, the workshops and each one's map, and the
// participation counts (cells of 1–2 people left out). Fonts are embedded
// and the file carries PDF/A metadata, like Render's; every workshop has a
// bookmark. lang is "sv" or "en"; date is the report's date.
func RenderRevision(rev *Revision, lang string, date time.Time) (pdf []byte, err error) {
	if rev == nil {
		return nil, board.Errorf(board.EInvalid, "no revision to export")
	}
	lab := sv
	if lang == "en" {
		lab = en
	} else if lang != "" && lang != "sv" {
		return nil, board.Errorf(board.EInvalid, "lang must be sv or en")
	}
	rl := revLabelsFor(lab)
	for _, w := range rev.Workshops {
		if err := checkSize(w.State); err != nil {
			return nil, err
		}
	}
	// The document's own state names the report; each workshop's map is
	// drawn from its board.
	cover := board.NewState(board.Info{Title: rl.report}, board.Settings{})
	strategy := rev.Strategy
	opt := Options{Lang: lang, Municipality: rev.Municipality, Strategy: &strategy, Date: date}
	if _, err := checkOptions(cover, &opt); err != nil {
		return nil, err
	}
	return produce(func(fd *fontData) *renderer {
		r := newRenderer(cover, opt, lab, fd)
		r.revision(rev, rl)
		return r
	})
}

func (r *renderer) revision(rev *Revision, rl *revLabels) {
	r.addPage(pageA4P)
	r.pdf.Bookmark(rl.cover, 0, 0)
	r.revisionCover(rev, rl)
	r.revisionGoals(rev, rl)
	r.revisionActions(rev, rl)
	r.revisionPeople(rev, rl)
	doc := r.revisionReport(rev, rl)
	for i, w := range rev.Workshops {
		r.workshopMap(w, rl)
		doc.Sections = append(doc.Sections, r.workshopSection(i, r.title))
	}
	r.report = doc.html(r.lab)
}

func (r *renderer) revisionCover(rev *Revision, rl *revLabels) {
	pdf, w := r.pdf, r.width()
	pdf.SetFillColor(colAccent.r, colAccent.g, colAccent.b)
	pdf.Rect(marginA4, r.y, w, 1.6, "F")
	r.y += 7
	r.docKind(rl.docKind)
	title := strategyName(&rev.Strategy, r.clean)
	if title == "" {
		title = rl.report
	}
	r.title1(title)
	r.subtitle(r.clean(rev.Municipality.Name) + " · " + rl.report + " " + isoDate(r.opt.Date))
	r.y += 6
	r.countGrid([][2]string{
		{rl.counts[0], strconv.Itoa(len(rev.Workshops))},
		{rl.counts[1], strconv.Itoa(len(rev.Goals))},
		{rl.counts[2], strconv.Itoa(len(rev.Actions))},
		{rl.counts[3], strconv.Itoa(rev.People)},
	})
	r.y += 2
	r.heading("H2", rl.workshops, 14)
	r.para(rl.workshopsIntro, 9, "", colMuted)
	r.y += 2
	cols := []column{{rl.workshopCols[0], 70, 'L'}, {rl.workshopCols[1], 26, 'C'}, {rl.workshopCols[2], 24, 'C'}, {rl.workshopCols[3], r.width() - 120, 'L'}}
	if rows := r.workshopRows(rev); len(rows) > 0 {
		r.table(cols, rows, 1, 9)
	}
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

func (r *renderer) revisionGoals(rev *Revision, rl *revLabels) {
	r.sectionPage(pageA4L, -1, rl.goals, rl.goalsIntro)
	r.y += 3
	cols := columns(rl.goalCols[:], 14, 50, 62, 50, 45, 40)
	cols[0].align = 'C'
	rows := r.revisionGoalRows(rev)
	if len(rows) == 0 {
		r.para(rl.none, 10, "", colMuted)
		return
	}
	r.table(cols, rows, 2, 8.5)
}

func (r *renderer) revisionActions(rev *Revision, rl *revLabels) {
	r.sectionPage(pageA4L, -1, rl.actions, rl.actionsIntro)
	r.y += 3
	cols := columns(rl.actionCols[:], 80, 50, 40, 24, 22, 45)
	cols[3].align, cols[4].align = 'C', 'C'
	for _, g := range r.actionGroups(rev, rl) {
		r.y += 2
		r.pdf.Bookmark(g.head, 1, r.y)
		r.heading("H3", g.head, 11)
		r.table(cols, g.rows, 1, 8.5)
	}
	if len(rev.Actions) == 0 {
		r.para(rl.none, 10, "", colMuted)
	}
}

// smallCell hides a count of 1 or 2 people.
func smallCell(n int) string {
	if n > 0 && n < 3 {
		return "–"
	}
	return strconv.Itoa(n)
}

func (r *renderer) revisionPeople(rev *Revision, rl *revLabels) {
	r.sectionPage(pageA4P, -1, rl.people, rl.peopleIntro)
	r.para(rl.small, 9, "", colMuted)
	r.y += 3
	pos, adm := r.revisionPeopleRows(rev)
	r.table([]column{{r.lab.perPosition, 120, 'L'}, {r.lab.count, 40, 'C'}}, pos, 0, 9)
	r.y += 4
	if len(adm) > 0 {
		r.table([]column{{r.lab.perAdmin, 120, 'L'}, {r.lab.count, 40, 'C'}}, adm, 0, 9)
	}
}

// workshopMap draws one workshop's map under a bookmark of its own.
func (r *renderer) workshopMap(w Workshop, rl *revLabels) {
	title := r.clean(w.State.Info.Title) + " · " + isoDate(w.Date)
	r.st, r.m = w.State, buildModel(w.State, r.fd)
	r.growShapes()
	r.fits, r.cut = map[textKey]fitted{}, false
	r.title = fmt.Sprintf(rl.mapOf, title)
	if !r.m.mapHasContent() {
		r.addPage(pageA4P)
		r.pdf.Bookmark(title, 0, 0)
		r.heading("H2", r.title, 14)
		r.emptyNotice()
		return
	}
	r.mapMark = title
	r.drawMapPages()
	r.mapMark = ""
}

// mapBookmark is the bookmark of a map's first page: the map's, or in a
// revision report the workshop's.
func (r *renderer) mapBookmark() string {
	if r.mapMark != "" {
		return r.mapMark
	}
	return r.lab.mapTitle
}

// workshopRows are the revision's workshops: title, date, participants
// and the board each continues.
func (r *renderer) workshopRows(rev *Revision) [][]string {
	var rows [][]string
	for _, ws := range rev.Workshops {
		rows = append(rows, []string{r.clean(ws.State.Info.Title), isoDate(ws.Date), strconv.Itoa(ws.People), orDash(r.clean(ws.From))})
	}
	return rows
}

// revisionGoalRows are the revision's goal areas ranked: rank, title,
// description, target, indicator, owner.
func (r *renderer) revisionGoalRows(rev *Revision) [][]string {
	var rows [][]string
	for i, g := range rev.Goals {
		rows = append(rows, []string{strconv.Itoa(i + 1), r.clean(g.Title), r.fd.clean(g.Description, true), r.fd.clean(g.Target, true),
			r.fd.clean(g.Indicator, true), r.clean(g.Owner)})
	}
	return rows
}

// actionGroup is the actions under one goal area: its heading and rows
// (action, owner, responsible, due, status, workshop).
type actionGroup struct {
	head string
	rows [][]string
}

// actionGroups returns the actions grouped by goal area in the goals'
// order, those without a goal last.
func (r *renderer) actionGroups(rev *Revision, rl *revLabels) []actionGroup {
	groups := map[string][]RevisionAction{}
	for _, a := range rev.Actions {
		groups[a.GoalTitle] = append(groups[a.GoalTitle], a)
	}
	titles := make([]string, 0, len(rev.Goals)+1)
	seen := map[string]bool{}
	for _, g := range rev.Goals {
		if !seen[g.Title] {
			titles = append(titles, g.Title)
			seen[g.Title] = true
		}
	}
	if len(groups[""]) > 0 {
		titles = append(titles, "")
	}
	var out []actionGroup
	for i, t := range titles {
		as := groups[t]
		if len(as) == 0 {
			continue
		}
		g := actionGroup{head: rl.noGoal}
		if t != "" {
			g.head = fmt.Sprintf("%d. %s", i+1, r.clean(t))
		}
		for _, a := range as {
			title := r.clean(a.Title)
			if d := r.fd.clean(a.Description, true); d != "" {
				title += "\n" + d
			}
			g.rows = append(g.rows, []string{title, orDash(r.clean(a.Owner)), orDash(r.clean(a.Responsible)), orDash(a.Due), rl.status[a.Status], r.clean(a.Workshop)})
		}
		out = append(out, g)
	}
	return out
}

// revisionPeopleRows are the participations by position and by
// administration, cells of 1–2 people hidden.
func (r *renderer) revisionPeopleRows(rev *Revision) (byPos, byAdmin [][]string) {
	for _, p := range board.Positions {
		byPos = append(byPos, []string{r.lab.positions[p], smallCell(rev.ByPosition[p])})
	}
	names := make([]string, 0, len(rev.ByAdmin))
	for a := range rev.ByAdmin {
		names = append(names, a)
	}
	slices.SortFunc(names, compareText)
	for _, a := range names {
		name := r.clean(a)
		if name == "" {
			name = r.lab.noAdmin
		}
		byAdmin = append(byAdmin, []string{name, smallCell(rev.ByAdmin[a])})
	}
	return byPos, byAdmin
}
