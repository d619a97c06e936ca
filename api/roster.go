package api

import "net/http"

// rosterRoutes adds the roster endpoints. TODO(roster): implement.
func (s *Server) rosterRoutes(mux *http.ServeMux) {}
