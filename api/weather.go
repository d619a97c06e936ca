package api

import "net/http"

// weatherRoutes adds the warning endpoints. TODO(weather): implement.
func (s *Server) weatherRoutes(mux *http.ServeMux) {}

// createWarning serves POST /api/v1/alerts with "kind": "weather".
// TODO(weather): implement.
func (s *Server) createWarning(w http.ResponseWriter, req AlertRequest) {
	writeJSON(w, http.StatusNotImplemented, errorBody{"weather warnings are not implemented yet"})
}
