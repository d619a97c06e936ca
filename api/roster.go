package api

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"dutybot/coverage"
	"dutybot/roster"
	"dutybot/rota"
)

// HeaderShiftCount tells how many shifts an exported workbook holds.
const HeaderShiftCount = "X-Dutybot-Shifts"

// WithRoster adds the roster file endpoints and the gap report.
func (s *Server) WithRoster(c *coverage.Checker) *Server {
	s.coverage = c
	return s
}

// rosterRoutes adds the roster endpoints:
//
//	POST /api/v1/roster             import a roster file (the body), all or nothing
//	GET  /api/v1/roster?from=&to=   stored shifts as JSON, or ?format=xlsx a workbook
//	GET  /api/v1/roster/gaps?days=  gaps of special periods, as the daily check sees them
func (s *Server) rosterRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v1/roster", s.auth(s.withCoverage(s.importRoster)))
	mux.HandleFunc("GET /api/v1/roster", s.auth(s.withCoverage(s.getRoster)))
	mux.HandleFunc("GET /api/v1/roster/gaps", s.auth(s.withCoverage(s.getGaps)))
}

func (s *Server) withCoverage(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.coverage == nil {
			writeJSON(w, http.StatusServiceUnavailable, errorBody{"the roster API is not set up"})
			return
		}
		next(w, r)
	}
}

// ImportJSON is the answer of POST /api/v1/roster.
type ImportJSON struct {
	File     string    `json:"file"`
	Added    int       `json:"added"`
	Replaced int       `json:"replaced"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Gaps     []GapJSON `json:"gaps"`
}

// RosterErrorJSON is the answer to a roster file that was not imported.
type RosterErrorJSON struct {
	Error string `json:"error"`
	// Rows lists the problems of the bad rows: all, or the first
	// roster.MaxListed.
	Rows []RowErrorJSON `json:"rows"`
	// More counts the problems found but not listed in Rows.
	More int `json:"more,omitempty"`
	// Limit is the configuration key of the limit a file went over
	// (roster.import.max_rows …); the answer is then 413.
	Limit string `json:"limit,omitempty"`
	// Conflicts lists clashes with stored shifts (409).
	Conflicts []string `json:"conflicts,omitempty"`
}

// RowErrorJSON is one problem of one row.
type RowErrorJSON struct {
	Row    int    `json:"row"`
	Column string `json:"column"`
	Error  string `json:"error"`
}

// GapJSON is a duty day of a special period not covered all through.
type GapJSON struct {
	Period  string           `json:"period"` // 国庆节, 汛期, 暴雨红色预警…
	Kind    string           `json:"kind"`   // holiday, important, flood, warning
	Warning string           `json:"warning,omitempty"`
	Day     string           `json:"day"`   // the duty date, 2026-10-06
	Whole   bool             `json:"whole"` // nobody on duty all day
	Missing []coverage.Range `json:"missing"`
}

// GapsJSON converts gaps for the API, naming periods in lang.
func GapsJSON(c *coverage.Checker, lang string, gaps []coverage.Gap) []GapJSON {
	out := make([]GapJSON, 0, len(gaps))
	for _, g := range gaps {
		out = append(out, GapJSON{Period: c.PeriodName(lang, g.Period), Kind: g.Period.Kind, Warning: g.Period.Warning,
			Day: g.Day.Format(time.DateOnly), Whole: g.Whole, Missing: g.Missing})
	}
	return out
}

// ShiftJSON is a stored shift as the API shows it.
type ShiftJSON struct {
	ID         string    `json:"id"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	Leader     string    `json:"leader"`
	LeaderName string    `json:"leader_name"`
	Staff      []string  `json:"staff"`
	StaffNames []string  `json:"staff_names"`
	Place      string    `json:"place,omitempty"`
	Phone      string    `json:"phone,omitempty"`
	Kind       string    `json:"kind"`
	Note       string    `json:"note,omitempty"`
	Source     string    `json:"source,omitempty"`
}

// RosterJSON is the answer of GET /api/v1/roster.
type RosterJSON struct {
	From   string      `json:"from"`
	To     string      `json:"to,omitempty"`
	Shifts []ShiftJSON `json:"shifts"`
}

// fileName is the roster file's name: ?filename=, else the filename of a
// Content-Disposition header, else one made up from the Content-Type.
func fileName(r *http.Request) string {
	name := r.URL.Query().Get("filename")
	if name == "" {
		if _, params, err := mime.ParseMediaType(r.Header.Get("Content-Disposition")); err == nil {
			name = params["filename"]
		}
	}
	if name != "" {
		return path.Base(strings.ReplaceAll(strings.TrimSpace(name), `\`, "/"))
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
		return "roster.xlsx"
	case "text/csv":
		return "roster.csv"
	case "application/yaml", "application/x-yaml", "text/yaml":
		return "roster.yaml"
	}
	return ""
}

// readUpload reads an import file's body, within roster.import's size
// limit; it answers the request itself and returns ok false when the body
// is too large, unreadable or empty.
func (s *Server) readUpload(w http.ResponseWriter, r *http.Request, name string) ([]byte, bool) {
	maxSize := roster.Limits(s.cfg).MaxFileSize
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, int64(maxSize)))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeJSON(w, http.StatusRequestEntityTooLarge, RosterErrorJSON{Error: fmt.Sprintf("%s: larger than %s (roster.import.max_file_size); nothing was imported",
			name, maxSize), Rows: []RowErrorJSON{}, Limit: "roster.import." + roster.LimitFileSize})
		return nil, false
	case err != nil:
		writeJSON(w, http.StatusBadRequest, RosterErrorJSON{Error: "reading the body: " + err.Error(), Rows: []RowErrorJSON{}})
		return nil, false
	case len(data) == 0:
		writeJSON(w, http.StatusBadRequest, RosterErrorJSON{Error: name + ": empty body; send the file as the body", Rows: []RowErrorJSON{}})
		return nil, false
	}
	return data, true
}

// writeParseError answers an import file that could not be read: 400 with
// every bad row, or 413 naming the roster.import limit it passed.
func writeParseError(w http.ResponseWriter, name string, err error) {
	out := RosterErrorJSON{Error: fmt.Sprintf("%s: %v; nothing was imported", name, err), Rows: []RowErrorJSON{}}
	code := http.StatusBadRequest
	var rows roster.Errors
	var limit *roster.LimitError
	switch {
	case errors.As(err, &rows):
		out.Error = fmt.Sprintf("%s: %d problems; nothing was imported", name, rows.Total)
		for _, re := range rows.List {
			out.Rows = append(out.Rows, RowErrorJSON{Row: re.Row, Column: re.Column, Error: re.Err.Error()})
		}
		out.More = rows.Unlisted()
	case errors.As(err, &limit):
		out.Limit, code = "roster.import."+limit.Key, http.StatusRequestEntityTooLarge
	}
	writeJSON(w, code, out)
}

func (s *Server) importRoster(w http.ResponseWriter, r *http.Request) {
	name := fileName(r)
	if name == "" {
		writeJSON(w, http.StatusBadRequest, RosterErrorJSON{Error: "name the file: ?filename=国庆值班表.xlsx or a Content-Disposition header (.xlsx, .csv or .yaml)",
			Rows: []RowErrorJSON{}})
		return
	}
	data, ok := s.readUpload(w, r, name)
	if !ok {
		return
	}
	cfg := s.cfg
	shifts, err := coverage.Parse(name, data, cfg)
	if err != nil {
		writeParseError(w, name, err)
		return
	}
	res, err := s.coverage.Import(shifts, "api", name)
	var conflict *rota.ConflictError
	switch {
	case errors.As(err, &conflict):
		writeJSON(w, http.StatusConflict, RosterErrorJSON{Error: name + ": clashes with stored shifts; nothing was imported",
			Rows: []RowErrorJSON{}, Conflicts: conflict.Conflicts})
		return
	case err != nil:
		s.log.Error("api: import roster", "file", name, "err", err)
		writeJSON(w, http.StatusInternalServerError, errorBody{"internal error; nothing was imported"})
		return
	}
	writeJSON(w, http.StatusOK, ImportJSON{File: name, Added: res.Added, Replaced: res.Replaced, From: res.From, To: res.To,
		Gaps: GapsJSON(s.coverage, cfg.Language, res.Gaps)})
}

// span reads ?from= and ?to= (dates, both included); from defaults to
// today and to to no end.
func (s *Server) span(r *http.Request) (from, to time.Time, err error) {
	q := r.URL.Query()
	from = s.coverage.Today()
	if v := q.Get("from"); v != "" {
		if from, err = s.coverage.Date(v); err != nil {
			return from, to, fmt.Errorf("from: %w", err)
		}
	}
	if v := q.Get("to"); v != "" {
		if to, err = s.coverage.Date(v); err != nil {
			return from, to, fmt.Errorf("to: %w", err)
		}
		if to.Before(from) {
			return from, to, fmt.Errorf("to: %s is before from (%s)", v, from.Format(time.DateOnly))
		}
	}
	return from, to, nil
}

func (s *Server) getRoster(w http.ResponseWriter, r *http.Request) {
	from, to, err := s.span(r)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody{err.Error()})
		return
	}
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "xlsx" {
		writeJSON(w, http.StatusBadRequest, errorBody{fmt.Sprintf("format: %q is not json or xlsx", format)})
		return
	}
	last := to
	if last.IsZero() {
		last = from.AddDate(100, 0, 0)
	}
	shifts, err := s.coverage.Shifts(from, last)
	if err != nil {
		s.log.Error("api: read roster", "err", err)
		writeJSON(w, http.StatusInternalServerError, errorBody{"internal error"})
		return
	}
	if format == "xlsx" {
		data, err := s.coverage.ExportXLSX(shifts)
		if err != nil {
			s.log.Error("api: export roster", "err", err)
			writeJSON(w, http.StatusInternalServerError, errorBody{"internal error: " + err.Error()})
			return
		}
		name := "roster-" + from.Format("20060102")
		if !to.IsZero() {
			name += "-" + to.Format("20060102")
		}
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name + ".xlsx"}))
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.Header().Set(HeaderShiftCount, strconv.Itoa(len(shifts)))
		_, _ = w.Write(data)
		return
	}
	out := RosterJSON{From: from.Format(time.DateOnly), Shifts: make([]ShiftJSON, 0, len(shifts))}
	if !to.IsZero() {
		out.To = to.Format(time.DateOnly)
	}
	for _, sh := range shifts {
		out.Shifts = append(out.Shifts, s.shiftJSON(sh))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) shiftJSON(sh rota.Shift) ShiftJSON {
	cfg := s.cfg
	name := cfg.OfficialName
	out := ShiftJSON{ID: sh.ID, Start: sh.Start, End: sh.End, Leader: sh.Leader, LeaderName: name(sh.Leader),
		Staff: sh.Staff, Place: sh.Place, Phone: sh.Phone, Kind: sh.Kind, Note: sh.Note, Source: sh.Source}
	for _, id := range sh.Staff {
		out.StaffNames = append(out.StaffNames, name(id))
	}
	return out
}

// GapsReportJSON is the answer of GET /api/v1/roster/gaps.
type GapsReportJSON struct {
	Days int       `json:"days"`
	Gaps []GapJSON `json:"gaps"`
}

func (s *Server) getGaps(w http.ResponseWriter, r *http.Request) {
	cfg := s.cfg
	days := cfg.Roster.GapDaysAhead
	if v := r.URL.Query().Get("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 366 {
			writeJSON(w, http.StatusBadRequest, errorBody{fmt.Sprintf("days: %q is not a number of days from 0 to 366", v)})
			return
		}
		days = n
	}
	gaps, err := s.coverage.UpcomingGaps(days)
	if err != nil {
		s.log.Error("api: roster gaps", "err", err)
		writeJSON(w, http.StatusInternalServerError, errorBody{"internal error"})
		return
	}
	writeJSON(w, http.StatusOK, GapsReportJSON{Days: days, Gaps: GapsJSON(s.coverage, cfg.Language, gaps)})
}
