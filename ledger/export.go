package ledger

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"dutybot/config"
	"dutybot/duty"
	"dutybot/storage"
)

// Sheet names of the workbook, in order.
const (
	SheetCalls     = "叫应记录"
	SheetReports   = "任务报告"
	SheetDuty      = "值班记录"
	SheetIncidents = "事故直报"
	SheetTips      = "隐患举报"
	SheetSummary   = "汇总"
)

// Column headers of the sheets; part of the workbook's format.
var (
	CallHeaders    = []string{"叫应编号", "级别", "类型", "标题", "接收人", "单位", "发出时间", "应答时间", "应答用时（分钟）", "应答人", "状态", "升级次数", "提醒与升级"}
	ReportHeaders  = []string{"时间", "报告人", "单位", "任务", "进度与说明", "事件序号"}
	EventHeaders   = []string{"时间", "类型", "人员", "单位", "编号", "操作人", "详情", "事件序号"}
	OfficialHeader = []string{"姓名", "单位", "叫应次数", "本人应答", "应答率", "应答用时中位数（分钟）", "逾期任务叫应"}
	UnitHeader     = []string{"单位", "叫应次数", "本人应答", "应答率", "应答用时中位数（分钟）", "逾期任务叫应"}
)

// Rows of the summary sheet's head (column A label, column B value).
const (
	SummaryExported = "导出时间"
	SummaryPeriod   = "统计期间"
	SummaryFilter   = "筛选范围"
	SummaryHeadSeq  = "事件链头序号"
	SummaryHeadHash = "事件链头哈希"
	SummaryVerify   = "链校验"
	SummaryByPerson = "按人员"
	SummaryByUnit   = "按单位"
)

// Stats says what an export wrote.
type Stats struct {
	Calls, Reports, Duty, Incidents, Tips int
	HeadSeq                               uint64
	HeadHash                              string
	ChainOK                               bool
}

// Stats sums up the book.
func (b *Book) Stats() Stats {
	return Stats{Calls: len(b.Calls), Reports: len(b.Reports), Duty: len(b.Duty), Incidents: len(b.Incidents),
		Tips: len(b.Tips), HeadSeq: b.Chain.HeadSeq, HeadHash: b.Chain.HeadHash, ChainOK: b.Chain.OK()}
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
		{SheetCalls, func(sw *excelize.StreamWriter) error { return l.writeCalls(sw, b, st) }},
		{SheetReports, func(sw *excelize.StreamWriter) error { return l.writeReports(sw, b, st) }},
		{SheetDuty, func(sw *excelize.StreamWriter) error { return l.writeEvents(sw, b.Duty, dutyLabels, st) }},
		{SheetIncidents, func(sw *excelize.StreamWriter) error { return l.writeEvents(sw, b.Incidents, incidentLabels, st) }},
		{SheetTips, func(sw *excelize.StreamWriter) error { return l.writeEvents(sw, b.Tips, tipLabels, st) }},
		{SheetSummary, func(sw *excelize.StreamWriter) error { return l.writeSummary(sw, b, st) }},
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

// Minutes rounds a duration to tenths of a minute, as the workbook shows it.
func Minutes(d time.Duration) float64 { return math.Round(d.Minutes()*10) / 10 }

func (l *Ledger) writeCalls(sw *excelize.StreamWriter, b *Book, st styles) error {
	if err := header(sw, 1, CallHeaders, st, 15, 6, 10, 30, 10, 12, 20, 20, 10, 10, 14, 8, 50); err != nil {
		return err
	}
	for i, c := range b.Calls {
		r, a := c.Recipient, c.Alert
		latency := any("")
		if d, ok := c.Latency(); ok {
			latency = excelize.Cell{StyleID: st.minutes, Value: Minutes(d)}
		}
		row := []any{a.ID, levelLabel(a.Level), kindLabel(a.Kind), a.Title, l.name(r.Official), l.cfg.UnitName(l.unitOf(r.Official)),
			l.local(c.Sent()), l.local(r.AckedAt), latency, l.answeredBy(r), l.CallState(c), c.Escalated(), l.Steps(r)}
		if err := sw.SetRow(cellName(1, i+2), row); err != nil {
			return err
		}
	}
	return nil
}

func (l *Ledger) answeredBy(r storage.Recipient) string {
	if r.AckedBy == "" {
		return ""
	}
	return l.name(r.AckedBy)
}

// CallState says in words how a call ended (or stands).
func (l *Ledger) CallState(c Call) string {
	r := c.Recipient
	switch {
	case c.SelfAnswered():
		return "已应答"
	case r.State == storage.StateAcked:
		return "由" + l.name(r.AckedBy) + "代为处置"
	case r.State == storage.StateUnreachable:
		return "无法送达"
	case r.State == storage.StateEscalated:
		return "未应答（已升级）"
	}
	return "未应答"
}

// Steps lists the reminders and escalations of a call: "08:10 再次提醒；
// 08:20 升级至单位负责人：吴敏".
func (l *Ledger) Steps(r storage.Recipient) string {
	var parts []string
	for _, e := range r.Escalations {
		s := e.At.In(l.cfg.Location).Format("01-02 15:04") + " "
		switch e.Action {
		case config.ActionRemind:
			s += "再次提醒"
		case config.ActionEscalate:
			s += "升级至" + targetLabel(e.To)
			if len(e.People) > 0 {
				s += "：" + l.names(e.People)
			}
		default:
			s += e.Action
		}
		if e.Note != "" {
			s += "（" + e.Note + "）"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "；")
}

func (l *Ledger) writeReports(sw *excelize.StreamWriter, b *Book, st styles) error {
	if err := header(sw, 1, ReportHeaders, st, 20, 10, 12, 24, 40, 10); err != nil {
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

// taskName words a duty instance id for readers, with names, not ids:
// "14.2/~o-wumin/2026-12-02" is "14.2 · 吴敏 · 2026-12-02", "14.1/yjb/2026-12"
// is "14.1 · 应急办 · 2026-12", "3.1/*/2026-Q4" is "3.1 · 全镇 · 2026-Q4".
func (l *Ledger) taskName(id string) string {
	point, holder, period, ok := duty.ParseID(id)
	if !ok {
		return id
	}
	switch {
	case holder == "*":
		holder = "全镇"
	case strings.HasPrefix(holder, "~"):
		holder = l.cfg.OfficialName(holder[1:])
	default:
		holder = l.cfg.UnitName(holder)
	}
	if period == duty.SetupPeriod {
		period = "启动事项"
	}
	return point + " · " + holder + " · " + period
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

func (l *Ledger) writeEvents(sw *excelize.StreamWriter, evs []storage.Event, labels map[string]string, st styles) error {
	if err := header(sw, 1, EventHeaders, st, 20, 14, 10, 12, 16, 10, 60, 10); err != nil {
		return err
	}
	for i, e := range evs {
		row := []any{l.local(e.At), EventLabel(e.Type, labels), l.name(e.Official), l.cfg.UnitName(l.unitOf(e.Official)), e.Alert,
			l.name(e.Actor), e.Detail, e.Seq}
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
		return "人员：" + l.name(f.Official)
	case f.Unit != "":
		return "单位：" + l.cfg.UnitName(f.Unit)
	}
	return "全镇"
}

// VerifyLabel says in words what checking the chain found.
func VerifyLabel(r storage.ChainReport) string {
	switch {
	case r.OK():
		return fmt.Sprintf("完整（%d 条事件逐条核验无误）", r.Events)
	case r.Break != nil:
		return "断裂：" + r.Break.String()
	}
	return "未建立哈希链（数据库版本过旧）"
}

func (l *Ledger) writeSummary(sw *excelize.StreamWriter, b *Book, st styles) error {
	if err := sw.SetColWidth(1, 1, 16); err != nil {
		return err
	}
	if err := sw.SetColWidth(2, 7, 14); err != nil {
		return err
	}
	head := [][]any{
		{SummaryExported, l.local(b.ExportedAt)},
		{SummaryPeriod, Period{b.Filter.From, b.Filter.To}.Label(l.cfg.Location)},
		{SummaryFilter, l.FilterLabel(b.Filter)},
		{SummaryHeadSeq, b.Chain.HeadSeq},
		{SummaryHeadHash, b.Chain.HeadHash},
		{SummaryVerify, VerifyLabel(b.Chain)},
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
	if err := sw.SetRow(cellName(1, row), []any{excelize.Cell{StyleID: st.header, Value: SummaryByPerson}}); err != nil {
		return err
	}
	row++
	if err := header(sw, row, OfficialHeader, st); err != nil {
		return err
	}
	for _, t := range b.Officials {
		row++
		if err := sw.SetRow(cellName(1, row), tally(t, []any{t.Name, l.cfg.UnitName(t.Unit)})); err != nil {
			return err
		}
	}
	row += 2
	if err := sw.SetRow(cellName(1, row), []any{excelize.Cell{StyleID: st.header, Value: SummaryByUnit}}); err != nil {
		return err
	}
	row++
	if err := header(sw, row, UnitHeader, st); err != nil {
		return err
	}
	for _, t := range b.Units {
		row++
		if err := sw.SetRow(cellName(1, row), tally(t, []any{t.Name})); err != nil {
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
