package api

import (
	"errors"
	"fmt"
	"net/http"

	"dutybot/config"
)

// WithDirectory adds POST /api/v1/directory/reload, which has reload read
// the 通讯录 again (app.App.ReloadDirectory; `dutybot directory reload`
// calls it).
func (s *Server) WithDirectory(reload func() (config.Change, error)) *Server {
	s.reloadDirectory = reload
	return s
}

// directoryRoutes adds the directory endpoint:
//
//	POST /api/v1/directory/reload   read directory.file again, all or nothing
func (s *Server) directoryRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v1/directory/reload", s.auth(s.reloadDirectoryFile))
}

// DirectoryJSON is the answer to a reload: the directory's size now and
// who and what changed, by id.
type DirectoryJSON struct {
	Officials    int      `json:"officials"`
	Units        int      `json:"units"`
	Added        []string `json:"added"`
	Removed      []string `json:"removed"`
	Changed      []string `json:"changed"`
	UnitsAdded   []string `json:"units_added"`
	UnitsRemoved []string `json:"units_removed"`
	// Heads are the units whose head or 分管领导 changed.
	Heads []string `json:"heads"`
}

// DirectoryErrorJSON is the answer to a reload refused: why, and every
// problem, a file's by row ("通讯录.xlsx row 17 (手机号): …").
type DirectoryErrorJSON struct {
	Error    string   `json:"error"`
	Problems []string `json:"problems"`
}

func (s *Server) reloadDirectoryFile(w http.ResponseWriter, _ *http.Request) {
	if s.reloadDirectory == nil {
		writeJSON(w, http.StatusServiceUnavailable, errorBody{"the directory cannot be reloaded here"})
		return
	}
	ch, err := s.reloadDirectory()
	switch {
	case errors.Is(err, config.ErrNoDirectoryFile):
		writeJSON(w, http.StatusBadRequest, DirectoryErrorJSON{Error: err.Error(), Problems: []string{}})
		return
	case err != nil:
		problems := config.Problems(err)
		n := fmt.Sprintf("%d problems", len(problems))
		if len(problems) == 1 {
			n = "1 problem"
		}
		writeJSON(w, http.StatusBadRequest, DirectoryErrorJSON{Problems: problems,
			Error: "the 通讯录 was not loaded (" + n + "): nothing of it is used, the directory in use is unchanged"})
		return
	}
	writeJSON(w, http.StatusOK, DirectoryJSON{Officials: ch.Officials, Units: ch.Units, Added: list(ch.Added), Removed: list(ch.Removed),
		Changed: list(ch.Changed), UnitsAdded: list(ch.UnitsAdded), UnitsRemoved: list(ch.UnitsRemoved), Heads: list(ch.Heads)})
}

// list is ids as a JSON list, never null.
func list(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}
