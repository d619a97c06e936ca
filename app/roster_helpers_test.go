package app_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"dutybot/api"
	"dutybot/rota"
	"dutybot/storage"
)

// newHarnessAt is newHarness with the fake clock starting at now, for
// tests that need another season than the shared start.
func newHarnessAt(t *testing.T, o harnessOpts, now time.Time) *harness {
	t.Helper()
	o.start = now
	return newHarness(t, o)
}

// cst is Beijing time.
var cst = time.FixedZone("CST", 8*3600)

// date is midnight of a date in 2026, Beijing time.
func date(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, cst) }

// rosterRow is one row of a test roster; an empty date or leader is left
// to the merged cell above.
type rosterRow struct {
	date   time.Time // zero: merged with the row above
	hours  string
	leader string // "": merged with the row above
	staff  string
	kind   string
	note   string
}

// dayNight is a day shift 08:00–18:00 and a night shift 18:00–次日08:00 on
// each date from first to last: one leader per date (merged), 张明 by day
// and 李芳 by night.
func dayNight(first, last time.Time) []rosterRow {
	leaders := []string{"刘洋", "何军", "杜峰", "吴敏", "陈杰"}
	var rows []rosterRow
	for d, i := first, 0; !d.After(last); d, i = d.AddDate(0, 0, 1), i+1 {
		rows = append(rows,
			rosterRow{date: d, hours: "08:00-18:00", leader: leaders[i%len(leaders)], staff: "张明", kind: "节假日"},
			rosterRow{hours: "18:00-次日08:00", staff: "李芳（13800000002）", kind: "节假日"})
	}
	return rows
}

// rosterXLSX builds a township-style workbook: a merged title row, the
// header in row 2, dates as serial numbers formatted 2026年10月1日, and the
// 日期, 星期 and 带班领导 cells merged down over the rows of a date.
func rosterXLSX(t testing.TB, title string, rows []rosterRow) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	const s = "Sheet1"
	check := func(err error) {
		if err != nil {
			t.Helper()
			t.Fatal(err)
		}
	}
	check(f.SetCellStr(s, "A1", title))
	check(f.MergeCell(s, "A1", "I1"))
	header := []any{"日期", "星期", "值班时间", "带班领导", "值班人员", "值班电话", "值班地点", "类型", "备注"}
	check(f.SetSheetRow(s, "A2", &header))
	dateFmt := `yyyy"年"m"月"d"日"`
	style, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt})
	check(err)
	epoch := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	weekdays := []string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}
	dateRow, leaderRow := 0, 0
	for i, r := range rows {
		n := i + 3
		if !r.date.IsZero() {
			y, m, d := r.date.Date()
			serial := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Sub(epoch).Hours() / 24
			check(f.SetCellValue(s, fmt.Sprintf("A%d", n), serial))
			check(f.SetCellStyle(s, fmt.Sprintf("A%d", n), fmt.Sprintf("A%d", n), style))
			check(f.SetCellStr(s, fmt.Sprintf("B%d", n), weekdays[r.date.Weekday()]))
			dateRow = n
		} else if dateRow > 0 {
			check(f.MergeCell(s, fmt.Sprintf("A%d", dateRow), fmt.Sprintf("A%d", n)))
			check(f.MergeCell(s, fmt.Sprintf("B%d", dateRow), fmt.Sprintf("B%d", n)))
		}
		if r.leader != "" {
			check(f.SetCellStr(s, fmt.Sprintf("D%d", n), r.leader))
			leaderRow = n
		} else if leaderRow > 0 && r.date.IsZero() {
			check(f.MergeCell(s, fmt.Sprintf("D%d", leaderRow), fmt.Sprintf("D%d", n)))
		}
		vals := []any{r.hours}
		check(f.SetSheetRow(s, fmt.Sprintf("C%d", n), &vals))
		rest := []any{r.staff, "023-65800000", "镇政府值班室", r.kind, r.note}
		check(f.SetSheetRow(s, fmt.Sprintf("E%d", n), &rest))
	}
	check(f.SetCellStr(s, fmt.Sprintf("A%d", len(rows)+4), "制表人：安琪"))
	buf, err := f.WriteToBuffer()
	check(err)
	return buf.Bytes()
}

// upload posts a roster file to the API and decodes the answer into out.
func (h *harness) upload(name string, data []byte, token string, out any) int {
	h.t.Helper()
	req, _ := http.NewRequest("POST", h.apiURL+"/api/v1/roster?filename="+url.QueryEscape(name), strings.NewReader(string(data)))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return h.do(req, out)
}

// do runs an API request and decodes a JSON answer into out.
func (h *harness) do(req *http.Request, out any) int {
	h.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			h.t.Fatalf("%s %s: %d %q: %v", req.Method, req.URL.Path, resp.StatusCode, body, err)
		}
	}
	return resp.StatusCode
}

// roster reads the stored shifts of the dates [from, to] from the API.
func (h *harness) roster(from, to string) []api.ShiftJSON {
	h.t.Helper()
	req, _ := http.NewRequest("GET", h.apiURL+"/api/v1/roster?from="+from+"&to="+to, nil)
	req.Header.Set("Authorization", "Bearer "+testAPIToken)
	var out api.RosterJSON
	if code := h.do(req, &out); code != http.StatusOK {
		h.t.Fatalf("GET roster: %d", code)
	}
	return out.Shifts
}

// shiftCount counts the stored shifts.
func (h *harness) shiftCount() int {
	h.t.Helper()
	var n int
	if err := h.app.DB.View(func(tx *storage.Tx) error { n = rota.ShiftCount(tx); return nil }); err != nil {
		h.t.Fatal(err)
	}
	return n
}
