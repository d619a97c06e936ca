package api

import (
	"fmt"
	"net/http"
	"strconv"

	"dutybot/storage"
)

// quarantineRoutes adds the quarantine endpoints (dutybot quarantine uses
// them while the bot runs):
//
//	GET    /api/v1/quarantine        the records moved aside, oldest first
//	DELETE /api/v1/quarantine/{seq}  remove one once an operator dealt with it
func (s *Server) quarantineRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/quarantine", s.auth(s.listQuarantine))
	mux.HandleFunc("DELETE /api/v1/quarantine/{seq}", s.auth(s.dropQuarantined))
}

// QuarantineJSON is the answer of GET /api/v1/quarantine.
type QuarantineJSON struct {
	Records []storage.Quarantined `json:"records"`
}

func (s *Server) listQuarantine(w http.ResponseWriter, _ *http.Request) {
	out := QuarantineJSON{Records: []storage.Quarantined{}}
	err := s.db.View(func(tx *storage.Tx) error {
		out.Records = append(out.Records, tx.QuarantinedRecords()...)
		return nil
	})
	if err != nil {
		s.log.Error("api: list the quarantine", "err", err)
		writeJSON(w, http.StatusInternalServerError, errorBody{"internal error"})
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) dropQuarantined(w http.ResponseWriter, r *http.Request) {
	seq, err := strconv.ParseUint(r.PathValue("seq"), 10, 64)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody{fmt.Sprintf("%q is not a quarantine number", r.PathValue("seq"))})
		return
	}
	var found bool
	err = s.db.Update(func(tx *storage.Tx) error {
		found, err = tx.DropQuarantined(seq)
		return err
	})
	switch {
	case err != nil:
		s.log.Error("api: drop a quarantined record", "seq", seq, "err", err)
		writeJSON(w, http.StatusInternalServerError, errorBody{"internal error"})
	case !found:
		writeJSON(w, http.StatusNotFound, errorBody{fmt.Sprintf("no quarantined record #%d", seq)})
	default:
		s.log.Info("api: quarantined record dropped", "seq", seq)
		writeJSON(w, http.StatusOK, map[string]any{"dropped": seq})
	}
}
