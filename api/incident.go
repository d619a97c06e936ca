package api

import "net/http"

// incidentRoutes adds the incident endpoints. TODO(incident).
func (s *Server) incidentRoutes(mux *http.ServeMux) {}
