package api

import (
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"time"

	"dutybot/enterprise"
	"dutybot/locales"
	"dutybot/storage"
)

// HeaderEnterpriseCount tells how many enterprises an exported workbook
// holds.
const HeaderEnterpriseCount = "X-Dutybot-Enterprises"

// WithEnterprises adds the enterprise registry endpoints; cat words
// their warnings and industries in the configured language.
func (s *Server) WithEnterprises(r *enterprise.Registry, cat *locales.Catalog) *Server {
	s.enterprises, s.enterpriseWords = r, cat
	return s
}

// enterpriseRoutes adds the registry endpoints:
//
//	GET  /api/v1/enterprises   the registry as JSON with its warnings, or ?format=xlsx a workbook
//	POST /api/v1/enterprises   import a registry file (the body, .xlsx or .yaml): it replaces the
//	                           registry, all or nothing
func (s *Server) enterpriseRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/enterprises", s.auth(s.withEnterprises(s.getEnterprises)))
	mux.HandleFunc("POST /api/v1/enterprises", s.auth(s.withEnterprises(s.importEnterprises)))
}

func (s *Server) withEnterprises(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.enterprises == nil {
			writeJSON(w, http.StatusServiceUnavailable, errorBody{"the enterprise API is not set up"})
			return
		}
		next(w, r)
	}
}

// ContactJSON is a person at an enterprise.
type ContactJSON struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
}

// EnterpriseJSON is an enterprise of the registry as the API shows it:
// ids with the names of the configuration beside them.
type EnterpriseJSON struct {
	Code            string      `json:"code"`
	Name            string      `json:"name"`
	Address         string      `json:"address"`
	Industry        string      `json:"industry"`
	IndustryName    string      `json:"industry_name"`
	Risk            string      `json:"risk"`
	MajorHazard     bool        `json:"major_hazard"`
	MajorHazardNote string      `json:"major_hazard_note"`
	Admin           string      `json:"admin"`
	AdminName       string      `json:"admin_name"`
	Supervisor      string      `json:"supervisor"`
	SupervisorName  string      `json:"supervisor_name"`
	Head            ContactJSON `json:"head"`
	Principal       ContactJSON `json:"principal"`
	Deputy          ContactJSON `json:"deputy"`
	SafetyManager   ContactJSON `json:"safety_manager"`
	Guarantor       string      `json:"guarantor,omitempty"`
	GuarantorName   string      `json:"guarantor_name,omitempty"`
	Unit            string      `json:"unit"`
	UnitName        string      `json:"unit_name"`
	Source          string      `json:"source"`
	ImportedAt      time.Time   `json:"imported_at"`
}

// EnterprisesJSON is the answer of GET /api/v1/enterprises.
type EnterprisesJSON struct {
	Count       int                  `json:"count"`
	Enterprises []EnterpriseJSON     `json:"enterprises"`
	Warnings    []EnterpriseWarnJSON `json:"warnings"`
}

// EnterpriseWarnJSON is a warning about the registry, with its text in
// the configured language.
type EnterpriseWarnJSON struct {
	enterprise.Warning
	Text string `json:"text"`
}

// EnterpriseImportJSON is the answer of POST /api/v1/enterprises.
type EnterpriseImportJSON struct {
	File     string               `json:"file"`
	Count    int                  `json:"count"`
	Replaced int                  `json:"replaced"`
	Warnings []EnterpriseWarnJSON `json:"warnings"`
}

func (s *Server) warningsJSON(ws []enterprise.Warning) []EnterpriseWarnJSON {
	out := make([]EnterpriseWarnJSON, 0, len(ws))
	for _, w := range ws {
		out = append(out, EnterpriseWarnJSON{Warning: w, Text: w.Text(s.enterpriseWords, s.cfg.Language)})
	}
	return out
}

// name is an official's name: the configuration's, else the one recorded
// at import for someone since removed.
func (s *Server) nameOr(id, recorded string) string {
	if _, ok := s.cfg.Official(id); ok {
		return s.cfg.OfficialName(id)
	}
	return recorded
}

func (s *Server) enterpriseJSON(e enterprise.Enterprise) EnterpriseJSON {
	c := func(p storage.Contact) ContactJSON { return ContactJSON{p.Name, p.Phone} }
	out := EnterpriseJSON{Code: e.Code, Name: e.Name, Address: e.Address, Industry: e.Industry,
		IndustryName: s.enterpriseWords.T(s.cfg.Language, "EnterpriseIndustry_"+e.Industry, nil), Risk: e.Risk,
		MajorHazard: e.MajorHazard, MajorHazardNote: e.MajorHazardNote,
		Admin: e.Admin, AdminName: s.nameOr(e.Admin, e.AdminName), Supervisor: e.Supervisor,
		SupervisorName: s.nameOr(e.Supervisor, e.SupervisorName), Head: c(e.Head), Principal: c(e.Principal),
		Deputy: c(e.Deputy), SafetyManager: c(e.SafetyManager), Guarantor: e.Guarantor, Unit: e.Unit,
		UnitName: s.cfg.UnitName(e.Unit), Source: e.Source, ImportedAt: e.ImportedAt}
	if e.Guarantor != "" {
		out.GuarantorName = s.nameOr(e.Guarantor, e.GuarantorName)
	}
	return out
}

func (s *Server) getEnterprises(w http.ResponseWriter, r *http.Request) {
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "xlsx" {
		writeJSON(w, http.StatusBadRequest, errorBody{fmt.Sprintf("format: %q is not json or xlsx", format)})
		return
	}
	if format == "xlsx" {
		data, n, err := s.enterprises.ExportXLSX()
		if err != nil {
			s.log.Error("api: export enterprises", "err", err)
			writeJSON(w, http.StatusInternalServerError, errorBody{"internal error"})
			return
		}
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": "enterprises.xlsx"}))
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.Header().Set(HeaderEnterpriseCount, strconv.Itoa(n))
		_, _ = w.Write(data)
		return
	}
	list, warns, err := s.enterprises.Warnings()
	if err != nil {
		s.log.Error("api: read enterprises", "err", err)
		writeJSON(w, http.StatusInternalServerError, errorBody{"internal error"})
		return
	}
	out := EnterprisesJSON{Count: len(list), Enterprises: make([]EnterpriseJSON, 0, len(list)), Warnings: s.warningsJSON(warns)}
	for _, e := range list {
		out.Enterprises = append(out.Enterprises, s.enterpriseJSON(e))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) importEnterprises(w http.ResponseWriter, r *http.Request) {
	name := fileName(r)
	if name == "" {
		writeJSON(w, http.StatusBadRequest, RosterErrorJSON{Error: "name the file: ?filename=挂牌企业台账.xlsx or a Content-Disposition header (.xlsx or .yaml)",
			Rows: []RowErrorJSON{}})
		return
	}
	data, ok := s.readUpload(w, r, name)
	if !ok {
		return
	}
	list, err := enterprise.Parse(name, data, s.cfg)
	if err != nil {
		writeParseError(w, name, err)
		return
	}
	res, err := s.enterprises.Import(list, "api", name)
	if err != nil {
		s.log.Error("api: import enterprises", "file", name, "err", err)
		writeJSON(w, http.StatusInternalServerError, errorBody{"internal error; nothing was imported"})
		return
	}
	writeJSON(w, http.StatusOK, EnterpriseImportJSON{File: res.File, Count: res.Count, Replaced: res.Replaced,
		Warnings: s.warningsJSON(res.Warnings)})
}
