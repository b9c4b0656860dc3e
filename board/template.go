package board

import (
	"github.com/google/uuid"
)

// Templates a board can start from.
const (
	TemplateBlank        = "blank"
	TemplateProcessMap   = "process-map"
	TemplateGoalWorkshop = "goal-workshop"
)

var templatePhases = map[string][]string{
	TemplateBlank:        {"Idéer", "Diskutera", "Klart"},
	TemplateProcessMap:   {"Nuläge", "Hinder", "Prioritera", "Åtgärder", "Klart"},
	TemplateGoalWorkshop: {"Idéer", "Gruppera", "Rösta", "Prioritera", "Klart"},
}

// ValidTemplate reports whether t names a template.
func ValidTemplate(t string) bool { _, ok := templatePhases[t]; return ok }

// TemplatePhases returns the phases of template t, in order.
func TemplatePhases(t string) []string { return templatePhases[t] }

// ProcessMapLanes are the administrations a process-map board starts with.
var ProcessMapLanes = []string{
	"Kommunledningskontoret",
	"Samhällsbyggnadsförvaltningen",
	"Fastighetskontoret",
	"Miljöförvaltningen",
	"Tekniska förvaltningen",
}

// GoalAreas are the goal areas (målområden) a goal-workshop board starts with.
var GoalAreas = []string{
	"Energieffektivisering",
	"Förnybar energi",
	"Transporter",
	"Fysisk planering",
	"Offentlig upphandling",
	"Kommunens egen verksamhet",
}

var laneColors = []string{"#dbeafe", "#dcfce7", "#fef9c3", "#fce7f3", "#e0e7ff", "#ffedd5"}

// Lane geometry shared by the templates, the client and the PDF: lanes are
// horizontal bands LaneHeight tall, stacked by order from y = 0.
const (
	LaneHeight = 200.0
	LaneWidth  = 2400.0
)

// NewBoard returns the initial state of a new board made from a template,
// with the template's first phase.
func NewBoard(info Info, now int64) (*State, error) {
	if !ValidTemplate(info.Template) {
		return nil, Errorf(EInvalid, "template must be blank, process-map or goal-workshop")
	}
	st := NewState(info, Settings{Phase: templatePhases[info.Template][0], Voting: Voting{Dots: 3, Kinds: []string{}}})
	add := func(kind string, props map[string]any) string {
		id := uuid.NewString()
		st.Objects[id] = &Object{ID: id, Kind: kind, Props: props, CreatedAt: now, UpdatedAt: now}
		return id
	}
	switch info.Template {
	case TemplateProcessMap:
		var first, last string
		for i, t := range ProcessMapLanes {
			id := add(KindLane, map[string]any{"title": t, "order": float64(i), "color": laneColors[i%len(laneColors)]})
			if i == 0 {
				first = id
			}
			last = id
		}
		add(KindEvent, map[string]any{"text": "Start", "variant": "start", "lane": first, "x": 260.0, "y": LaneHeight / 2})
		add(KindEvent, map[string]any{"text": "Slut", "variant": "end", "lane": last, "x": LaneWidth - 200, "y": LaneHeight*float64(len(ProcessMapLanes)-1) + LaneHeight/2})
		st.Settings.Voting.Kinds = []string{KindNote, KindStep}
	case TemplateGoalWorkshop:
		for i, t := range GoalAreas {
			x := float64(i%3) * 440
			y := float64(i/3) * 380
			add(KindFrame, map[string]any{"title": t, "x": x, "y": y, "w": 400.0, "h": 340.0})
			add(KindGoal, map[string]any{"title": t, "x": x + 20, "y": y + 60, "w": 360.0, "h": 120.0, "rank": float64(i + 1)})
		}
		st.Settings.Voting.Kinds = []string{KindGoal}
	}
	return st, nil
}
