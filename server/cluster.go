package server

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/processkarta/processkarta/board"
)

// clusterStrategy is one row of the cluster overview: counts only.
type clusterStrategy struct {
	ID             string      `json:"id"`
	Title          string      `json:"title"`
	Revision       string      `json:"revision"`
	Workshops      int         `json:"workshops"`
	LastWorkshopAt *time.Time  `json:"lastWorkshopAt"`
	Goals          int         `json:"goals"`
	Actions        statusTally `json:"actions"`
	Exports        int         `json:"exports"`
	LastExportAt   *time.Time  `json:"lastExportAt"`
	People         int         `json:"people"`
}

type clusterMunicipality struct {
	Code       string            `json:"code"`
	Name       string            `json:"name"`
	Strategies []clusterStrategy `json:"strategies"`
}

type clusterOut struct {
	Name           string                `json:"name"`
	Municipalities []clusterMunicipality `json:"municipalities"`
}

// getCluster is the coordinator's overview of a cluster: per municipality
// and strategy revision, workshops held, the last one, goal areas, actions
// by status and exports, from the boards' summaries. Counts only, never
// names. With Accept: text/csv, one row per strategy.
func (s *Server) getCluster(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSpace(chi.URLParam(r, "name"))
	ctx := r.Context()
	ms, err := s.store.Municipalities(ctx)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := clusterOut{Name: name, Municipalities: []clusterMunicipality{}}
	var members []*board.Municipality
	for _, m := range ms {
		if name != "" && strings.EqualFold(strings.TrimSpace(m.Cluster), name) {
			members = append(members, m)
		}
	}
	// One listing of the boards and one read of their summaries for the
	// whole cluster: the cost does not grow with a call per municipality.
	var infos []*board.Info
	if len(members) > 0 {
		if infos, err = s.store.Boards(ctx, ""); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	var sts []*board.Strategy
	muniOf := map[string]int{}
	for i, m := range members {
		list, err := s.store.Strategies(ctx, m.Code)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		for _, st := range list {
			muniOf[st.ID] = i
		}
		sts = append(sts, list...)
	}
	revs, err := s.loadRevisions(ctx, sts, infos)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	for _, m := range members {
		out.Municipalities = append(out.Municipalities, clusterMunicipality{Code: m.Code, Name: m.Name, Strategies: []clusterStrategy{}})
	}
	for _, rev := range revs {
		st := rev.strategy
		i := muniOf[st.ID]
		ro := rev.out(members[i])
		cs := clusterStrategy{ID: st.ID, Title: st.Title, Revision: st.Revision, Workshops: ro.Participation.Workshops,
			LastWorkshopAt: ro.LastWorkshopAt, Goals: len(ro.Goals), Actions: ro.ActionsByStatus, Exports: len(rev.exports),
			People: ro.Participation.People}
		if n := len(rev.exports); n > 0 {
			t := rev.exports[n-1].CreatedAt
			cs.LastExportAt = &t
		}
		out.Municipalities[i].Strategies = append(out.Municipalities[i].Strategies, cs)
	}
	if len(out.Municipalities) == 0 {
		s.writeError(w, r, board.Errorf(board.ENotFound, "no municipality is in the cluster %q", name))
		return
	}
	if wantsCSV(r) {
		clusterCSV(w, &out)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func clusterCSV(w http.ResponseWriter, c *clusterOut) {
	rows := [][]string{{"Kommunkod", "Kommun", "Strategi", "Revision", "Workshoppar", "Senaste workshop", "Målområden",
		"Åtgärder planerade", "Åtgärder pågående", "Åtgärder klara", "Exporter", "Senaste export", "Deltaganden"}}
	day := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(stockholm).Format(time.DateOnly)
	}
	for _, m := range c.Municipalities {
		for _, s := range m.Strategies {
			rows = append(rows, []string{m.Code, m.Name, s.Title, s.Revision, strconv.Itoa(s.Workshops), day(s.LastWorkshopAt),
				strconv.Itoa(s.Goals), strconv.Itoa(s.Actions.Planned), strconv.Itoa(s.Actions.Ongoing), strconv.Itoa(s.Actions.Done),
				strconv.Itoa(s.Exports), day(s.LastExportAt), strconv.Itoa(s.People)})
		}
	}
	writeCSV(w, "Kluster "+c.Name+".csv", "kluster.csv", rows)
}

// stockholm is the zone dates are written in for Swedish readers.
var stockholm = func() *time.Location {
	if l, err := time.LoadLocation("Europe/Stockholm"); err == nil {
		return l
	}
	return time.FixedZone("CET", 3600)
}()
