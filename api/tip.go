package api

import "net/http"

// tipRoutes adds the hazard-tip endpoints. TODO(tips).
func (s *Server) tipRoutes(mux *http.ServeMux) {}
