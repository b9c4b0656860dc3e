package server

import (
	"net/http"
	"time"

	"github.com/processkarta/processkarta/board"
)

// backup streams a backup of the whole instance while it serves. Only the
// organizer key may take one, never an account: the backup holds every
// board's token hashes and the organizer key itself.
//
// The status and headers go out before the first record, so a failure
// half-way cannot become an error answer; the stream is then cut without
// its end record, and a restore refuses it as cut short.
func (s *Server) backup(w http.ResponseWriter, r *http.Request) {
	if !s.isOrganizer(bearer(r)) {
		s.writeError(w, r, board.Errorf(board.EUnauthorized, "a backup needs the organizer key as a bearer token"))
		return
	}
	b, ok := s.rawStore.(board.Backuper)
	if !ok {
		s.writeError(w, r, board.Errorf(board.EUnavailable, "this store cannot make backups"))
		return
	}
	name := "processkarta-backup-" + time.Now().UTC().Format("2006-01-02T150405Z") + ".jsonl"
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	start := time.Now()
	sum, err := board.WriteBackup(r.Context(), b, s.cfg.StoreKind, w)
	if err != nil {
		s.log.Error("backup failed", "err", err)
		panic(http.ErrAbortHandler) // cut the stream: no end record
	}
	s.log.Info("backup", "boards", sum.Counts[board.BackupBoard], "exports", sum.Counts[board.BackupExport],
		"municipalities", sum.Counts[board.BackupMunicipality], "took", time.Since(start).Round(time.Millisecond).String())
}
