package api

import (
	"fmt"
	"io"
	"net/http"
	"time"
)

// backupRoutes adds the backup and ledger endpoints:
//
//	GET /api/v1/backup                   a consistent copy of the database (bbolt WriteTo), streamed
//	GET /api/v1/ledger?from=&to=&unit=&official=&period=
//	                                     the 履职档案 workbook (.xlsx)
//	GET /api/v1/ledger/verify?witness=SEQ:HASH
//	                                     the event chain checked, and against witnessed heads
//	GET /api/v1/ledger/alerts/{id}       one alert's full story, as text
func (s *Server) backupRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/backup", s.auth(s.backup))
	s.ledgerRoutes(mux)
}

// backup streams a consistent copy of the database, taken in one read
// transaction while the bot goes on writing.
func (s *Server) backup(w http.ResponseWriter, r *http.Request) {
	name := fmt.Sprintf("dutybot-%s.db", s.engine.Now().Format("20060102-150405"))
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	start := time.Now()
	n, err := s.db.WriteTo(progressWriter{w: w, rc: http.NewResponseController(w)})
	if err != nil {
		// The header is out: the client sees the stream break off, and
		// a truncated copy does not open.
		s.log.Error("api: backup", "written", n, "err", err)
		return
	}
	s.log.Info("api: database backed up", "bytes", n, "took", time.Since(start).Round(time.Millisecond))
}

// writeStep is how long one write of a long download may take: the HTTP
// server's write timeout bounds a whole answer, and a backup of a big
// database on a slow link takes longer, so each write gets its own
// deadline instead. A client that stops reading is still cut off.
const writeStep = 30 * time.Second

// progressWriter extends the connection's write deadline before each write.
type progressWriter struct {
	w  io.Writer
	rc *http.ResponseController
}

func (p progressWriter) Write(b []byte) (int, error) {
	// A writer that cannot set deadlines (a test's recorder) has no server
	// timeout to lift.
	_ = p.rc.SetWriteDeadline(time.Now().Add(writeStep))
	return p.w.Write(b)
}
