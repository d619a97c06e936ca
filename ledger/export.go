package ledger

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"dutybot/callout"
	"dutybot/config"
	"dutybot/storage"
)

// Sheets of the workbook, in order, by message (LedgerSheet_<sheet>).
const (
	SheetCalls       = "calls"       // 叫应记录
	SheetReports     = "reports"     // 任务报告
	SheetDuty        = "duty"        // 值班记录
	SheetIncidents   = "incidents"   // 事故直报
	SheetTips        = "tips"        // 隐患举报
	SheetInspections = "inspections" // 检查记录
	SheetHazards     = "hazards"     // 隐患台账
	SheetPlaques     = "plaques"     // 挂牌企业
	SheetQuotas      = "quotas"      // 挂牌责任人履职
	SheetSummary     = "summary"     // 汇总
)

// SheetName is a sheet's name in the workbook's language.
func (l *Ledger) SheetName(sheet string) string { return l.t("LedgerSheet_" + sheet) }

// Stats says what an export wrote.
type Stats struct {
	Calls, Reports, Duty, Incidents, Tips int
	Inspections, Hazards, Enterprises     int
	HeadSeq                               uint64
	HeadHash                              string
	ChainOK                               bool
}

// Stats sums up the book.
func (b *Book) Stats() Stats {
	return Stats{Calls: len(b.Calls), Reports: len(b.Reports), Duty: len(b.Duty), Incidents: len(b.Incidents),
		Tips: len(b.Tips), Inspections: len(b.Inspections), Hazards: len(b.Hazards), Enterprises: len(b.Enterprises), HeadSeq: b.Chain.HeadSeq, HeadHash: b.Chain.HeadHash, ChainOK: b.Chain.OK()}
}

// Export writes the workbook of f, as of now, to w.
func (l *Ledger) Export(w io.Writer, f Filter, now time.Time) (Stats, error) {
	b, err := l.Book(f, now)
	if err != nil {
		return Stats{}, err
	}
	if err := l.WriteXLSX(w, b); err != nil {
		return Stats{}, err
	}
	return b.Stats(), nil
}

// WriteXLSX writes the book as a workbook. Rows are streamed: a year of a
// town is a few hundred thousand.
func (l *Ledger) WriteXLSX(w io.Writer, b *Book) error {
	x := excelize.NewFile()
	defer x.Close()
	st, err := newStyles(x)
	if err != nil {
		return err
	}
	sheets := []struct {
		name  string
		write func(*excelize.StreamWriter) error
	}{
		{l.SheetName(SheetCalls), func(sw *excelize.StreamWriter) error { return l.writeCalls(sw, b, st) }},
		{l.SheetName(SheetReports), func(sw *excelize.StreamWriter) error { return l.writeReports(sw, b, st) }},
		{l.SheetName(SheetDuty), func(sw *excelize.StreamWriter) error { return l.writeEvents(sw, b.Duty, st) }},
		{l.SheetName(SheetIncidents), func(sw *excelize.StreamWriter) error { return l.writeEvents(sw, b.Incidents, st) }},
		{l.SheetName(SheetTips), func(sw *excelize.StreamWriter) error { return l.writeEvents(sw, b.Tips, st) }},
		{l.SheetName(SheetInspections), func(sw *excelize.StreamWriter) error { return l.writeInspections(sw, b, st) }},
		{l.SheetName(SheetHazards), func(sw *excelize.StreamWriter) error { return l.writeHazards(sw, b, st) }},
		{l.SheetName(SheetPlaques), func(sw *excelize.StreamWriter) error { return l.writeEnterprises(sw, b, st) }},
		{l.SheetName(SheetQuotas), func(sw *excelize.StreamWriter) error { return l.writeQuotas(sw, b, st) }},
		{l.SheetName(SheetSummary), func(sw *excelize.StreamWriter) error { return l.writeSummary(sw, b, st) }},
	}
	for i, s := range sheets {
		if i == 0 {
			if err := x.SetSheetName("Sheet1", s.name); err != nil {
				return err
			}
		} else if _, err := x.NewSheet(s.name); err != nil {
			return err
		}
	}
	// The summary opens first. Set while the sheets are empty: afterwards
	// excelize would read every streamed sheet back to change it.
	x.SetActiveSheet(len(sheets) - 1)
	for _, s := range sheets {
		sw, err := x.NewStreamWriter(s.name)
		if err != nil {
			return err
		}
		if err := s.write(sw); err != nil {
			return fmt.Errorf("sheet %s: %w", s.name, err)
		}
		if err := sw.Flush(); err != nil {
			return fmt.Errorf("sheet %s: %w", s.name, err)
		}
	}
	if _, err := x.WriteTo(w); err != nil {
		return fmt.Errorf("write the workbook: %w", err)
	}
	return nil
}

type styles struct {
	header, percent, minutes int
	behind                   int // a row of someone behind their quota
}

func newStyles(x *excelize.File) (styles, error) {
	var s styles
	var err error
	if s.header, err = x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}}); err != nil {
		return s, err
	}
	pct := "0.0%"
	if s.percent, err = x.NewStyle(&excelize.Style{CustomNumFmt: &pct}); err != nil {
		return s, err
	}
	mins := "0.0"
	if s.minutes, err = x.NewStyle(&excelize.Style{CustomNumFmt: &mins}); err != nil {
		return s, err
	}
	if s.behind, err = x.NewStyle(&excelize.Style{Font: &excelize.Font{Color: BehindFont},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{BehindFill}}}); err != nil {
		return s, err
	}
	return s, nil
}

func header(sw *excelize.StreamWriter, row int, names []string, st styles, widths ...float64) error {
	for i, wd := range widths {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return err
		}
	}
	cells := make([]any, len(names))
	for i, n := range names {
		cells[i] = excelize.Cell{StyleID: st.header, Value: n}
	}
	return sw.SetRow(cellName(1, row), cells)
}

func cellName(col, row int) string {
	c, _ := excelize.CoordinatesToCellName(col, row)
	return c
}

// The colours of a row of someone behind their quota: dark red on light
// red, as spreadsheets mark what needs attention.
const (
	BehindFill = "FFC7CE"
	BehindFont = "9C0006"
)

// Minutes rounds a duration to tenths of a minute, as the workbook shows it.
func Minutes(d time.Duration) float64 { return math.Round(d.Minutes()*10) / 10 }

func (l *Ledger) writeCalls(sw *excelize.StreamWriter, b *Book, st styles) error {
	if err := header(sw, 1, l.headers(callColumns), st, 15, 6, 10, 30, 10, 12, 20, 20, 10, 10, 14, 8, 50, 10, 8); err != nil {
		return err
	}
	for i, c := range b.Calls {
		r, a := c.Recipient, c.Alert
		latency := any("")
		if d, ok := c.Latency(); ok {
			latency = excelize.Cell{StyleID: st.minutes, Value: Minutes(d)}
		}
		phone := c.Phone()
		row := []any{a.ID, l.levelLabel(a.Level), l.kindLabel(a.Kind), a.TitleIn(l.Lang), l.name(r.Official), l.cfg.UnitName(l.unitOf(r.Official)),
			l.local(c.Sent()), l.local(r.AckedAt), latency, l.answeredBy(r), l.CallState(c), c.Escalated(), l.Steps(r),
			phone.Calls, phone.SMS}
		if err := sw.SetRow(cellName(1, i+2), row); err != nil {
			return err
		}
	}
	return nil
}

func (l *Ledger) answeredBy(r callout.Recipient) string {
	if r.AckedBy == "" {
		return ""
	}
	return l.name(r.AckedBy)
}

// CallState says in words how a call ended (or stands).
func (l *Ledger) CallState(c Call) string {
	r := c.Recipient
	switch {
	case c.SelfAnswered() && r.AckedIn == callout.ChannelGroup && l.hasGroup(r.Group):
		return l.t("LedgerStateAnsweredGroup", "Group", l.cfg.GroupName(r.Group))
	case c.SelfAnswered() && answeredByPhone(r):
		return l.t("LedgerStatePhone", "Channel", l.phoneChannel(r.AckedIn))
	case c.SelfAnswered():
		return l.t("LedgerStateAnswered")
	case r.State == callout.StateAcked:
		return l.t("LedgerStateHandled", "Name", l.name(r.AckedBy))
	case r.State == callout.StateUnreachable:
		return l.t("LedgerStateUnreachable")
	case r.State == callout.StateEscalated:
		return l.t("LedgerStateEscalated")
	}
	return l.t("LedgerStateSilent")
}

// Steps lists the reminders, escalations and phone steps of a call:
// "11-30 08:10 再次提醒；11-30 08:20 升级至单位负责人：吴敏；11-30 08:25
// 电话叫应单位负责人：吴敏（未接听）", and why a step reached nobody:
// "本人即单位负责人，无需再升级".
func (l *Ledger) Steps(r callout.Recipient) string {
	var parts []string
	for _, e := range r.Escalations {
		parts = append(parts, l.step(r.Official, e))
	}
	return strings.Join(parts, l.t("LedgerListSep"))
}

// step says one step taken for recipient.
func (l *Ledger) step(recipient string, e callout.Escalation) string {
	at := e.At.In(l.cfg.Location).Format("01-02 15:04")
	role, hasRole := l.roleLabel(e.Role)
	if !hasRole {
		role, hasRole = l.roleLabel(e.To)
	}
	cause := e.CauseFor(recipient)
	switch {
	case e.Action == config.ActionRemind && cause == "":
		return l.t("LedgerStepRemind", "Time", at)
	case e.Action == config.ActionRemind:
		return l.t("LedgerStepRemindSkipped", "Time", at, "Reason", l.wordOr("LedgerReason_", cause))
	case slices.Contains(config.PhoneActions, e.Action):
		return l.phoneStep(recipient, at, e)
	case e.Action != config.ActionEscalate:
		return at + " " + e.Action + l.noteOf(e)
	case len(e.People) > 0 && hasRole:
		return l.t("LedgerStepEscalate", "Time", at, "Role", role, "Names", l.names(e.People))
	case len(e.People) > 0:
		return l.t("LedgerStepEscalateTo", "Time", at, "Names", l.names(e.People))
	}
	if !hasRole {
		role = l.t("LedgerToNamed")
	}
	switch cause {
	case callout.ReasonSelf:
		return l.t("LedgerStepSelf", "Time", at, "Role", role)
	case callout.ReasonNotHigher:
		return l.t("LedgerStepNotHigher", "Time", at, "Role", role, "Names", l.names(e.Passed))
	case callout.ReasonNoTarget:
		return l.t("LedgerStepNoTarget", "Time", at, "Role", role)
	case callout.ReasonUnreachable:
		return l.t("LedgerStepNobody", "Time", at)
	}
	// A record of an older binary with a note this one does not know.
	return l.t("LedgerStepNobody", "Time", at) + l.noteOf(e)
}

// noteOf is an older record's note as written, in brackets.
func (l *Ledger) noteOf(e callout.Escalation) string {
	if e.Note == "" {
		return ""
	}
	return l.t("LedgerNote", "Note", e.Note)
}

func (l *Ledger) writeReports(sw *excelize.StreamWriter, b *Book, st styles) error {
	if err := header(sw, 1, l.headers(reportColumns), st, 20, 10, 12, 24, 40, 10); err != nil {
		return err
	}
	for i, e := range b.Reports {
		task, rest := SplitReport(e.Detail)
		row := []any{l.local(e.At), l.name(e.Official), l.cfg.UnitName(l.unitOf(e.Official)), l.taskName(task), rest, e.Seq}
		if err := sw.SetRow(cellName(1, i+2), row); err != nil {
			return err
		}
	}
	return nil
}

// SplitReport splits a task report's detail ("14.2/yjb/2026-10-12 +1
// (1/1): 已巡查") into the duty instance and the rest.
func SplitReport(detail string) (task, rest string) {
	task, rest, ok := strings.Cut(detail, " ")
	if !ok {
		return detail, ""
	}
	return task, rest
}

func (l *Ledger) writeEvents(sw *excelize.StreamWriter, evs []storage.Event, st styles) error {
	if err := header(sw, 1, l.headers(eventColumns), st, 20, 14, 10, 12, 16, 10, 60, 10); err != nil {
		return err
	}
	for i, e := range evs {
		row := []any{l.local(e.At), l.EventLabel(e.Type), l.name(e.Official), l.cfg.UnitName(l.unitOf(e.Official)), e.Alert,
			l.name(e.Actor), l.detail(e), e.Seq}
		if err := sw.SetRow(cellName(1, i+2), row); err != nil {
			return err
		}
	}
	return nil
}

// FilterLabel says in words whom an export covers.
func (l *Ledger) FilterLabel(f Filter) string {
	switch {
	case f.Official != "":
		return l.t("LedgerFilterOfficial", "Name", l.name(f.Official))
	case f.Unit != "":
		return l.t("LedgerFilterUnit", "Name", l.cfg.UnitName(f.Unit))
	}
	return l.t("LedgerTown")
}

// VerifyLabel says in words what checking the chain found.
func (l *Ledger) VerifyLabel(r storage.ChainReport) string {
	switch {
	case r.OK():
		return l.t("LedgerVerifyOK", "Count", r.Events)
	case r.Break != nil:
		return l.t("LedgerVerifyBroken", "Seq", r.Break.Seq, "Kind", l.wordOr("LedgerBreak_", r.Break.Kind))
	}
	return l.t("LedgerVerifyNone")
}

// PeriodLabel says a period in words: its first and last day.
func (l *Ledger) PeriodLabel(p Period) string {
	return l.t("LedgerPeriod", "From", p.From.In(l.cfg.Location).Format(time.DateOnly),
		"To", p.To.Add(-time.Nanosecond).In(l.cfg.Location).Format(time.DateOnly))
}

func (l *Ledger) writeSummary(sw *excelize.StreamWriter, b *Book, st styles) error {
	if err := sw.SetColWidth(1, 1, 16); err != nil {
		return err
	}
	if err := sw.SetColWidth(2, 7, 14); err != nil {
		return err
	}
	head := [][]any{
		{l.t("LedgerSummaryExported"), l.local(b.ExportedAt)},
		{l.t("LedgerSummaryPeriod"), l.PeriodLabel(Period{b.Filter.From, b.Filter.To})},
		{l.t("LedgerSummaryFilter"), l.FilterLabel(b.Filter)},
		{l.t("LedgerSummaryHeadSeq"), b.Chain.HeadSeq},
		{l.t("LedgerSummaryHeadHash"), b.Chain.HeadHash},
		{l.t("LedgerSummaryVerify"), l.VerifyLabel(b.Chain)},
	}
	row := 1
	for _, h := range head {
		if err := sw.SetRow(cellName(1, row), []any{excelize.Cell{StyleID: st.header, Value: h[0]}, h[1]}); err != nil {
			return err
		}
		row++
	}
	tally := func(t Tally, lead []any) []any {
		rate, median := any(""), any("")
		if r, ok := t.Rate(); ok {
			rate = excelize.Cell{StyleID: st.percent, Value: r}
		}
		if m, ok := t.Median(); ok {
			median = excelize.Cell{StyleID: st.minutes, Value: Minutes(m)}
		}
		return append(lead, t.Calls, t.Answered, rate, median, t.Overdue)
	}
	row++
	if err := sw.SetRow(cellName(1, row), []any{excelize.Cell{StyleID: st.header, Value: l.t("LedgerSummaryByPerson")}}); err != nil {
		return err
	}
	row++
	if err := header(sw, row, l.headers(officialColumns), st); err != nil {
		return err
	}
	for _, t := range b.Officials {
		row++
		if err := sw.SetRow(cellName(1, row), tally(t, []any{t.Name, l.cfg.UnitName(t.Unit)})); err != nil {
			return err
		}
	}
	row += 2
	if err := sw.SetRow(cellName(1, row), []any{excelize.Cell{StyleID: st.header, Value: l.t("LedgerSummaryByUnit")}}); err != nil {
		return err
	}
	row++
	if err := header(sw, row, l.headers(unitColumns), st); err != nil {
		return err
	}
	for _, t := range b.Units {
		row++
		if err := sw.SetRow(cellName(1, row), tally(t, []any{t.Name})); err != nil {
			return err
		}
	}
	row += 2
	if err := sw.SetRow(cellName(1, row), []any{excelize.Cell{StyleID: st.header, Value: l.t("LedgerSummaryHazards")}}); err != nil {
		return err
	}
	for _, h := range append(l.inspectionSummary(b), l.hazardSummary(b)...) {
		row++
		if err := sw.SetRow(cellName(1, row), []any{excelize.Cell{StyleID: st.header, Value: h[0]}, h[1]}); err != nil {
			return err
		}
	}
	// 电话叫应 comes last: readers of the older layout find the rows above
	// where they were.
	row += 2
	if err := sw.SetRow(cellName(1, row), []any{excelize.Cell{StyleID: st.header, Value: l.t("LedgerSummaryPhone")}}); err != nil {
		return err
	}
	for _, h := range l.phoneSummary(b) {
		row++
		if err := sw.SetRow(cellName(1, row), append([]any{excelize.Cell{StyleID: st.header, Value: h[0]}}, h[1:]...)); err != nil {
			return err
		}
	}
	return nil
}

// ExportDetail is the record of a workbook handed out: through what, the
// period and scope, what it held, its size and SHA-256, and the chain head
// it carries, so the very file can be recognised later.
func ExportDetail(via, period, scope string, st Stats, size int, sha string) string {
	return fmt.Sprintf("%s %s %s: %d calls, %d reports, %d duty, %d incident, %d tip records; head #%d %s; %d bytes sha256 %s",
		via, period, scope, st.Calls, st.Reports, st.Duty, st.Incidents, st.Tips, st.HeadSeq, st.HeadHash, size, sha)
}

// ExportRecord is the event that records the workbook data of book handed
// out at now through via (storage.WordChat, WordAPI) by actor; official is
// whom it concerns, if anyone.
func (l *Ledger) ExportRecord(now time.Time, via, official, actor string, b *Book, data []byte) storage.Event {
	sum := sha256.Sum256(data)
	sha := hex.EncodeToString(sum[:])
	st := b.Stats()
	f := b.Filter
	period := Period{From: f.From, To: f.To}.Label(l.cfg.Location)
	args := []storage.Arg{storage.Word("Via", storage.VocabWord, via),
		storage.Text("From", f.From.In(l.cfg.Location).Format(time.DateOnly)),
		storage.Text("To", f.To.Add(-time.Nanosecond).In(l.cfg.Location).Format(time.DateOnly)),
		storage.Units("Unit", nonEmpty(f.Unit)...), storage.Officials("Official", nonEmpty(f.Official)...),
		storage.Int("Calls", st.Calls), storage.Int("Reports", st.Reports), storage.Int("Duty", st.Duty),
		storage.Int("Incidents", st.Incidents), storage.Int("Tips", st.Tips),
		storage.Text("Seq", fmt.Sprint(st.HeadSeq)), storage.Text("Hash", st.HeadHash),
		storage.Int("Bytes", len(data)), storage.Text("SHA256", sha)}
	return storage.Event{At: now, Type: storage.EvLedgerExport, Official: official, Actor: actor,
		Detail: ExportDetail(via, period, l.FilterLabel(f), st, len(data), sha),
		Code:   storage.CodeLedgerExported, Args: args}
}

func nonEmpty(id string) []string {
	if id == "" {
		return nil
	}
	return []string{id}
}

// hasGroup reports whether the configuration still names a work group.
func (l *Ledger) hasGroup(id string) bool {
	_, ok := l.cfg.Group(id)
	return ok
}
