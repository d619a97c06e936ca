package api

import "net/http"

// backupRoutes adds GET /api/v1/backup. TODO(ledger).
func (s *Server) backupRoutes(mux *http.ServeMux) {}
