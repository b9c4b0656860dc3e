package server

import (
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/processkarta/processkarta/board"
)

// documentFormat names the backup format so an import can refuse anything
// else.
const documentFormat = "processkarta-board"

// Document is a whole board as JSON, for backup and for moving a board to
// another deployment. Per-person votes are left out: nobody but the voter
// may see them, so a document carries only the tallies.
type Document struct {
	Format       string              `json:"format"`
	Version      int                 `json:"version"`
	ExportedAt   time.Time           `json:"exportedAt"`
	Board        documentInfo        `json:"board"`
	Seq          uint64              `json:"seq"`
	Objects      []*board.Object     `json:"objects"`
	Settings     board.Settings      `json:"settings"`
	Tallies      map[string]int      `json:"tallies"`
	Participants []board.Participant `json:"participants"`
}

type documentInfo struct {
	ID           string    `json:"id"`
	Title        string    `json:"title"`
	Municipality string    `json:"municipality"`
	Strategy     string    `json:"strategy"`
	Template     string    `json:"template"`
	CreatedAt    time.Time `json:"createdAt"`
}

func (s *Server) getDocument(w http.ResponseWriter, r *http.Request, st *board.State, _ principal) {
	i := st.Info
	doc := Document{
		Format: documentFormat, Version: 1, ExportedAt: time.Now().UTC(),
		Board: documentInfo{i.ID, i.Title, i.Municipality, i.Strategy, i.Template, i.CreatedAt},
		Seq:   st.Seq, Objects: st.SortedObjects(), Settings: st.Settings,
	}
	doc.Tallies, _ = st.Tallies()
	for _, p := range s.participantsOut(st) {
		doc.Participants = append(doc.Participants, p.Participant)
	}
	w.Header().Set("Content-Disposition", `attachment; filename="processkarta-`+i.ID+`.json"`)
	writeJSON(w, http.StatusOK, doc)
}

// importBoard makes a new board from a document. Every object goes through
// the same validation as an edit, so a document can hold nothing an editor
// could not have made.
func (s *Server) importBoard(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Document
		Facilitator *newParticipant `json:"facilitator"`
	}
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	doc := in.Document
	if doc.Format != documentFormat || doc.Version != 1 {
		s.writeError(w, r, board.Errorf(board.EInvalid, "not a %s document of version 1", documentFormat))
		return
	}
	if len(doc.Objects) > board.MaxObjects {
		s.writeError(w, r, board.Errorf(board.ETooLarge, "a board holds at most %d objects", board.MaxObjects))
		return
	}
	if !board.ValidTemplate(doc.Board.Template) {
		s.writeError(w, r, board.Errorf(board.EInvalid, "unknown template %q", doc.Board.Template))
		return
	}
	info := board.Info{ID: newID(), Title: doc.Board.Title, Municipality: doc.Board.Municipality,
		Strategy: doc.Board.Strategy, Template: doc.Board.Template, CreatedAt: time.Now().UTC()}
	s.createFrom(w, r, info, in.Facilitator, func(info board.Info) (*board.State, error) { return buildImported(info, &doc) })
}

// buildImported replays the document's objects as create ops (lanes first,
// links last, so references resolve) on an empty board.
func buildImported(info board.Info, doc *Document) (*board.State, error) {
	st := board.NewState(info, board.Settings{})
	importer := &board.Participant{ID: "import", Role: board.RoleFacilitator}
	rank := func(o *board.Object) int {
		switch o.Kind {
		case board.KindLane:
			return 0
		case board.KindLink:
			return 2
		}
		return 1
	}
	objs := slices.Clone(doc.Objects)
	slices.SortStableFunc(objs, func(a, b *board.Object) int { return rank(a) - rank(b) })
	at := now()
	for start := 0; start < len(objs); start += board.MaxOpsPerBatch {
		chunk := objs[start:min(start+board.MaxOpsPerBatch, len(objs))]
		ops := make([]board.Op, len(chunk))
		for i, o := range chunk {
			if o == nil {
				return nil, board.Errorf(board.EInvalid, "objects: null is not an object")
			}
			ops[i] = board.Op{Op: board.OpCreate, ID: o.ID, Kind: o.Kind, Props: o.Props}
		}
		c, err := st.PrepareOps(importer, "", ops, at)
		if err != nil {
			return nil, board.Errorf(board.ErrorCode(err), "objects: %s", board.ErrorMessage(err))
		}
		st.Apply(c)
	}
	for _, o := range doc.Objects {
		// Keep who made what and when, where the document says so sensibly.
		if got := st.Objects[o.ID]; got != nil && o.CreatedAt > 0 && o.UpdatedAt >= o.CreatedAt && o.UpdatedAt <= at {
			got.CreatedAt, got.UpdatedAt = o.CreatedAt, o.UpdatedAt
			if board.ValidText(o.CreatedBy, 64) {
				got.CreatedBy = o.CreatedBy
			}
		}
	}
	// Settings pass the facilitator's own validation; the vote is closed,
	// since per-person votes are not in a document.
	settings := doc.Settings
	settings.Voting.Open = false
	settings.Timer.EndsAt, settings.Timer.Start = nil, false
	settings.Focus = nil
	if !slices.Contains(board.TemplatePhases(info.Template), settings.Phase) {
		settings.Phase = board.TemplatePhases(info.Template)[0]
	}
	raw, _ := json.Marshal(settings)
	c, err := st.PrepareSettings(importer, "", raw, at)
	if err != nil {
		return nil, board.Errorf(board.ErrorCode(err), "settings: %s", board.ErrorMessage(err))
	}
	st.Apply(c)
	if len(doc.Participants) > board.MaxParticipants {
		return nil, board.Errorf(board.ETooLarge, "a board holds at most %d participants", board.MaxParticipants)
	}
	for i := range doc.Participants {
		p := doc.Participants[i]
		if err := board.CheckParticipant(&p); err != nil || !board.ValidID(p.ID) {
			return nil, board.Errorf(board.EInvalid, "participants: entry %d is not a valid participant", i)
		}
		st.Participants[p.ID] = &p
	}
	// A fresh board starts its seq at zero; the document's history stays
	// with the original.
	st.Seq = 0
	return st, nil
}
