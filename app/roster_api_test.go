package app_test

import (
	"bytes"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"dutybot/api"
	"dutybot/roster"
)

// withRoster appends a roster block to the test configuration.
func withRoster(block string) func(string) string {
	return func(y string) string { return y + "roster:\n" + block }
}

const inspectionDates = `  important_dates:
    - {name: 区安全生产专项检查, from: "2026-12-02", to: "2026-12-05"}
`

func TestRosterAPIImport(t *testing.T) {
	h := newHarness(t, harnessOpts{edit: withRoster(inspectionDates)})
	file := rosterXLSX(t, "含谷镇2026年12月值班表", dayNight(date(12, 1), date(12, 3)))

	for _, token := range []string{"", "wrong"} {
		var out map[string]any
		if code := h.upload("12月.xlsx", file, token, &out); code != http.StatusUnauthorized {
			t.Errorf("token %q: %d %v", token, code, out)
		}
	}
	if n := h.shiftCount(); n != 0 {
		t.Fatalf("%d shifts stored by unauthorised calls", n)
	}

	var res api.ImportJSON
	if code := h.upload("12月.xlsx", file, testAPIToken, &res); code != http.StatusOK {
		t.Fatalf("import: %d %+v", code, res)
	}
	if res.Added != 6 || res.Replaced != 0 || !res.From.Equal(time.Date(2026, 12, 1, 8, 0, 0, 0, cst)) ||
		!res.To.Equal(time.Date(2026, 12, 4, 8, 0, 0, 0, cst)) || res.File != "12月.xlsx" {
		t.Errorf("result = %+v", res)
	}
	var gapDays []string
	for _, g := range res.Gaps {
		if g.Period != "区安全生产专项检查" || g.Kind != "important" || !g.Whole || len(g.Missing) != 1 {
			t.Errorf("gap = %+v", g)
		}
		gapDays = append(gapDays, g.Day)
	}
	if !slices.Equal(gapDays, []string{"2026-12-04", "2026-12-05"}) {
		t.Errorf("gap days = %v", gapDays)
	}

	shifts := h.roster("2026-12-01", "2026-12-03")
	if len(shifts) != 6 {
		t.Fatalf("stored %d shifts: %+v", len(shifts), shifts)
	}
	want := []struct{ start, leader, staff string }{
		{"12-01 08:00", "刘洋", "张明"}, {"12-01 18:00", "刘洋", "李芳"},
		{"12-02 08:00", "何军", "张明"}, {"12-02 18:00", "何军", "李芳"},
		{"12-03 08:00", "杜峰", "张明"}, {"12-03 18:00", "杜峰", "李芳"},
	}
	for i, w := range want {
		s := shifts[i]
		if got := s.Start.In(cst).Format("01-02 15:04"); got != w.start || s.LeaderName != w.leader ||
			!slices.Equal(s.StaffNames, []string{w.staff}) || s.Kind != "holiday" || s.Place != "镇政府值班室" {
			t.Errorf("shift %d = %+v, want %+v", i, s, w)
		}
	}
	if d := shifts[1].End.Sub(shifts[1].Start); d != 14*time.Hour {
		t.Errorf("night shift lasts %v", d)
	}

	// The same file again replaces rather than doubles.
	res = api.ImportJSON{}
	if code := h.upload("12月.xlsx", file, testAPIToken, &res); code != http.StatusOK || res.Added != 6 || res.Replaced != 6 {
		t.Errorf("re-import: %d %+v", code, res)
	}
	if n := h.shiftCount(); n != 6 {
		t.Errorf("%d shifts after re-import, want 6", n)
	}
	if ev := h.events("roster_imported"); len(ev) != 2 || ev[0].Actor != "api" || !strings.Contains(ev[0].Detail, "12月.xlsx") {
		t.Errorf("events = %+v", ev)
	}
}

func TestRosterAPIBadFiles(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	good := rosterXLSX(t, "值班表", dayNight(date(12, 1), date(12, 1)))
	var res api.ImportJSON
	if code := h.upload("good.xlsx", good, testAPIToken, &res); code != http.StatusOK {
		t.Fatalf("good file: %d", code)
	}

	// Rows 3–4 are fine; row 5 names someone unknown, row 6 has no leader,
	// row 7 puts 张明 on two shifts at once, row 8 has a bad date.
	rows := []rosterRow{
		{date: date(12, 10), hours: "08:00-18:00", leader: "刘洋", staff: "张明"},
		{hours: "18:00-次日08:00", staff: "李芳"},
		{date: date(12, 11), hours: "08:00-次日08:00", leader: "何军", staff: "王某"},
		{date: date(12, 12), hours: "08:00-次日08:00", staff: "李芳"},
		{date: date(12, 10), hours: "12:00-20:00", leader: "杜峰", staff: "张明"},
	}
	bad := rosterXLSX(t, "值班表", rows)
	var rej api.RosterErrorJSON
	if code := h.upload("bad.xlsx", bad, testAPIToken, &rej); code != http.StatusBadRequest {
		t.Fatalf("bad file: %d %+v", code, rej)
	}
	type problem struct {
		row    int
		column string
		says   string
	}
	wantRows := []problem{{5, "值班人员", "王某"}, {6, "带班领导", "missing 带班领导"}, {7, "值班人员", "overlaps row 3"}}
	if len(rej.Rows) != len(wantRows) || !strings.Contains(rej.Error, "3 problems") {
		t.Fatalf("rejection = %+v", rej)
	}
	for i, w := range wantRows {
		if r := rej.Rows[i]; r.Row != w.row || r.Column != w.column || !strings.Contains(r.Error, w.says) {
			t.Errorf("problem %d = %+v, want %+v", i, r, w)
		}
	}
	if n := h.shiftCount(); n != 2 {
		t.Errorf("%d shifts stored after a bad file, want the 2 from before", n)
	}

	csv := "日期,时间,带班领导,值班人员\n2026-12-10,全天,刘洋,张明、李芳\n"
	if code := h.upload("12-10.csv", []byte(csv), testAPIToken, &res); code != http.StatusOK || res.Added != 1 {
		t.Errorf("CSV: %d %+v", code, res)
	}
	// Content-Disposition names the file when there is no ?filename=.
	req, _ := http.NewRequest("POST", h.apiURL+"/api/v1/roster", strings.NewReader(strings.Replace(csv, "12-10", "12-11", 1)))
	req.Header.Set("Authorization", "Bearer "+testAPIToken)
	req.Header.Set("Content-Disposition", `attachment; filename*=UTF-8''%E5%80%BC%E7%8F%AD.csv`)
	res = api.ImportJSON{}
	if code := h.do(req, &res); code != http.StatusOK || res.File != "值班.csv" || res.Added != 1 {
		t.Errorf("Content-Disposition: %d %+v", code, res)
	}

	for _, tt := range []struct {
		name string
		data []byte
		code int
		says string
	}{
		{"old.xls", good, http.StatusBadRequest, ".xlsx"},
		{"old.et", good, http.StatusBadRequest, ".xlsx"},
		{"notes.pdf", good, http.StatusBadRequest, "unsupported"},
		{"", good, http.StatusBadRequest, "name the file"},
		{"empty.xlsx", nil, http.StatusBadRequest, "empty"},
		{"broken.xlsx", []byte("not a zip"), http.StatusBadRequest, "broken.xlsx"},
		{"huge.csv", bytes.Repeat([]byte("x"), 10<<20+1), http.StatusRequestEntityTooLarge, "larger than 10MB (roster.import.max_file_size)"},
	} {
		var rej api.RosterErrorJSON
		if code := h.upload(tt.name, tt.data, testAPIToken, &rej); code != tt.code || !strings.Contains(rej.Error, tt.says) {
			t.Errorf("%s: %d %+v, want %d and %q", tt.name, code, rej, tt.code, tt.says)
		}
	}
	if n := h.shiftCount(); n != 4 {
		t.Errorf("%d shifts after refused files, want 4", n)
	}

	// A clash with a stored shift outside the file's span: 409, nothing stored.
	clash := "日期,时间,带班领导,值班人员\n2026-12-01,20:00-次日20:00,何军,李芳\n"
	rej = api.RosterErrorJSON{}
	if code := h.upload("clash.csv", []byte(clash), testAPIToken, &rej); code != http.StatusConflict ||
		len(rej.Conflicts) == 0 || !strings.Contains(strings.Join(rej.Conflicts, "\n"), "李芳") {
		t.Errorf("clash: %d %+v", code, rej)
	}
	if n := h.shiftCount(); n != 4 {
		t.Errorf("%d shifts after a clash, want 4", n)
	}
}

func TestRosterAPIExportAndGaps(t *testing.T) {
	h := newHarness(t, harnessOpts{edit: withRoster(inspectionDates + "  flood_season: {from: \"11-01\", to: \"11-30\"}\n")})
	var res api.ImportJSON
	if code := h.upload("12月.xlsx", rosterXLSX(t, "值班表", dayNight(date(12, 1), date(12, 3))), testAPIToken, &res); code != http.StatusOK {
		t.Fatalf("import: %d", code)
	}

	req, _ := http.NewRequest("GET", h.apiURL+"/api/v1/roster?from=2026-12-02&to=2026-12-03&format=xlsx", nil)
	req.Header.Set("Authorization", "Bearer "+testAPIToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Disposition"), "roster-20261202-20261203.xlsx") {
		t.Fatalf("export: %d %v", resp.StatusCode, resp.Header)
	}
	back, err := roster.ParseXLSX(bytes.NewReader(data), h.cfg)
	if err != nil {
		t.Fatalf("exported workbook does not read back: %v", err)
	}
	stored := h.roster("2026-12-02", "2026-12-03")
	if len(back) != 4 || len(stored) != 4 {
		t.Fatalf("exported %d shifts, stored %d, want 4", len(back), len(stored))
	}
	for i, s := range back {
		st := stored[i]
		if !s.Start.Equal(st.Start) || !s.End.Equal(st.End) || s.Leader != st.Leader || !slices.Equal(s.Staff, st.Staff) ||
			s.Kind != st.Kind || s.Place != st.Place {
			t.Errorf("exported shift %d = %+v, stored %+v", i, s, st)
		}
	}

	// Gaps as the daily check sees them on Mon 11-30 09:30: the rest of the
	// flood season (today from now on) and the inspection days not covered.
	h.clk.Advance(90 * time.Minute)
	var gaps api.GapsReportJSON
	req, _ = http.NewRequest("GET", h.apiURL+"/api/v1/roster/gaps?days=7", nil)
	req.Header.Set("Authorization", "Bearer "+testAPIToken)
	if code := h.do(req, &gaps); code != http.StatusOK {
		t.Fatalf("gaps: %d", code)
	}
	var got []string
	for _, g := range gaps.Gaps {
		got = append(got, g.Period+" "+g.Day)
	}
	if want := []string{"汛期 2026-11-30", "区安全生产专项检查 2026-12-04", "区安全生产专项检查 2026-12-05"}; !slices.Equal(got, want) {
		t.Errorf("gaps = %v, want %v", got, want)
	}
	if g := gaps.Gaps[0]; g.Whole || len(g.Missing) != 1 || !g.Missing[0].From.Equal(start.Add(90*time.Minute)) ||
		!g.Missing[0].To.Equal(time.Date(2026, 12, 1, 8, 0, 0, 0, cst)) {
		t.Errorf("today's gap = %+v", g)
	}
	for _, q := range []string{"days=x", "days=-1", "days=400"} {
		req, _ = http.NewRequest("GET", h.apiURL+"/api/v1/roster/gaps?"+q, nil)
		req.Header.Set("Authorization", "Bearer "+testAPIToken)
		if code := h.do(req, nil); code != http.StatusBadRequest {
			t.Errorf("%s: %d", q, code)
		}
	}
	for _, path := range []string{"/api/v1/roster/gaps", "/api/v1/roster"} {
		req, _ = http.NewRequest("GET", h.apiURL+path, nil)
		if code := h.do(req, nil); code != http.StatusUnauthorized {
			t.Errorf("%s without a token: %d", path, code)
		}
	}
	for _, q := range []string{"from=12-01", "from=2026-12-05&to=2026-12-01", "format=pdf"} {
		req, _ = http.NewRequest("GET", h.apiURL+"/api/v1/roster?"+q, nil)
		req.Header.Set("Authorization", "Bearer "+testAPIToken)
		if code := h.do(req, nil); code != http.StatusBadRequest {
			t.Errorf("%s: %d", q, code)
		}
	}
}
