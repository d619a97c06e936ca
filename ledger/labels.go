package ledger

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"dutybot/duty"
	"dutybot/storage"
)

// The workbook's words are the Ledger… messages of locales/ledger.*.yaml,
// said in the ledger's language (Lang): the 台账 leaves the building, so
// every word of it, down to why a step did not escalate, is the office's
// language, with people and units by name.

// t renders message id in the ledger's language with pairs of keys and
// values.
func (l *Ledger) t(id string, kv ...any) string { return l.tr.TPairs(l.Lang, id, kv...) }

// word renders message id when the catalogue has it.
func (l *Ledger) word(id string) (string, bool) {
	if !l.tr.Has(id) {
		return "", false
	}
	return l.tr.T(l.Lang, id, nil), true
}

// wordOr renders prefix+key, or key itself when there is no such message:
// something new is shown as it is rather than dropped.
func (l *Ledger) wordOr(prefix, key string) string {
	if w, ok := l.word(prefix + key); ok {
		return w
	}
	return key
}

// levelLabel names an alert's level: 红色.
func (l *Ledger) levelLabel(level string) string { return l.wordOr("LedgerLevel_", level) }

// kindLabel names what raised an alert: 叫应, 到岗签到, 气象预警.
func (l *Ledger) kindLabel(kind string) string {
	if kind == "" {
		kind = "alert"
	}
	return l.wordOr("LedgerKind_", kind)
}

// roleLabel names an escalation target (单位负责人); false for a target
// naming people ("official:o-wu"), which has no name of its own.
func (l *Ledger) roleLabel(to string) (string, bool) {
	if to == "" {
		return "", false
	}
	return l.word("LedgerTo_" + to)
}

// EventLabel names an event type in the workbook; a type it does not know
// keeps its name, so nothing new is ever dropped.
func (l *Ledger) EventLabel(typ string) string { return l.wordOr("LedgerEvType_", typ) }

// Columns of the sheets, by message (LedgerCol_<column>); part of the
// workbook's format: a new column goes at the end.
var (
	callColumns = []string{"AlertID", "Level", "Kind", "Title", "Recipient", "Unit", "Sent", "Answered", "Latency",
		"AnsweredBy", "State", "Escalations", "Steps", "PhoneCalls", "SMS"}
	reportColumns   = []string{"Time", "Reporter", "Unit", "Task", "Progress", "Seq"}
	eventColumns    = []string{"Time", "Type", "Person", "Unit", "Ref", "Actor", "Detail", "Seq"}
	officialColumns = []string{"Name", "Unit", "Calls", "SelfAnswered", "Rate", "Median", "Overdue"}
	unitColumns     = []string{"Unit", "Calls", "SelfAnswered", "Rate", "Median", "Overdue"}
)

// headers names columns in the ledger's language.
func (l *Ledger) headers(columns []string) []string {
	out := make([]string, len(columns))
	for i, c := range columns {
		out[i] = l.t("LedgerCol_" + c)
	}
	return out
}

// vocabMessages are the message families the vocabularies of word
// arguments are said with.
var vocabMessages = map[string]string{
	storage.VocabLevel:            "LedgerLevel_",
	storage.VocabRole:             "LedgerTo_",
	storage.VocabReason:           "LedgerReason_",
	storage.VocabWarningType:      "WarnType_",
	storage.VocabIncidentLevel:    "IncidentLevel_",
	storage.VocabIncidentCategory: "IncidentCat_",
	storage.VocabMeltdownAction:   "WarnAction_",
	storage.VocabWord:             "LedgerWord_",
	storage.VocabPhone:            "LedgerPhone_",
}

// detail puts an event's detail into the ledger's language: its typed
// detail through the message LedgerEv_<code>, with people and units by
// name and times in the town's zone; an event written before codes (or
// with a code this binary does not know) shows its Detail as written.
func (l *Ledger) detail(e storage.Event) string {
	id := "LedgerEv_" + e.Code
	if e.Code == "" || !l.tr.Has(id) {
		return e.Detail
	}
	data := map[string]any{}
	for _, a := range e.Args {
		data[a.Name] = l.arg(a)
	}
	return tidy(l.tr.T(l.Lang, id, data))
}

// tidy drops the separators a message's optional parts leave at its end.
func tidy(s string) string {
	for {
		t := strings.TrimSpace(s)
		for _, sep := range []string{"；", "，", ";", ","} {
			t = strings.TrimSuffix(t, sep)
		}
		if t == s {
			return s
		}
		s = t
	}
}

// arg says one argument of a typed detail as the reader reads it.
func (l *Ledger) arg(a storage.Arg) string {
	switch a.Kind {
	case storage.ArgOfficials:
		return l.names(a.List())
	case storage.ArgUnits:
		ids := a.List()
		out := make([]string, len(ids))
		for i, id := range ids {
			out[i] = l.cfg.UnitName(id)
		}
		return strings.Join(out, l.t("LedgerNameSep"))
	case storage.ArgTime:
		if ts, ok := a.Times(); ok && len(ts) == 1 {
			return ts[0].In(l.cfg.Location).Format("2006-01-02 15:04")
		}
	case storage.ArgSpan:
		if ts, ok := a.Times(); ok && len(ts) == 2 {
			return l.hours(ts[0], ts[1])
		}
	case storage.ArgWord:
		vocab, word := a.Vocab()
		if prefix, ok := vocabMessages[vocab]; ok && word != "" {
			return l.wordOr(prefix, word)
		}
		return word
	case storage.ArgTask:
		return l.taskName(a.Value)
	}
	return a.Value
}

// hours names a shift by its local date and hours: 2026-12-02（周三）
// 08:00–次日08:00.
func (l *Ledger) hours(start, end time.Time) string {
	start, end = start.In(l.cfg.Location), end.In(l.cfg.Location)
	sd := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, l.cfg.Location)
	ed := time.Date(end.Year(), end.Month(), end.Day(), 0, 0, 0, 0, l.cfg.Location)
	to := end.Format("15:04")
	switch {
	case ed.Equal(sd):
	case ed.Equal(sd.AddDate(0, 0, 1)):
		to = l.t("LedgerNextDay", "Time", to)
	default:
		to = end.Format("2006-01-02 15:04")
	}
	return l.t("LedgerShiftHours", "Date", start.Format(time.DateOnly),
		"Weekday", l.t(fmt.Sprintf("RotaWeekday%d", int(start.Weekday()))), "From", start.Format("15:04"), "To", to)
}

// taskName words a duty instance id for readers, with names, not ids:
// "14.2/~o-wumin/2026-12-02" is "14.2 · 吴敏 · 2026-12-02", "14.1/yjb/2026-12"
// is "14.1 · 应急办 · 2026-12", "3.1/*/2026-Q4" is "3.1 · 全镇 · 2026年第4季度".
func (l *Ledger) taskName(id string) string {
	point, holder, period, ok := duty.ParseID(id)
	if !ok {
		return id
	}
	switch {
	case holder == "*":
		holder = l.t("LedgerTown")
	case strings.HasPrefix(holder, "~"):
		holder = l.cfg.OfficialName(holder[1:])
	default:
		holder = l.cfg.UnitName(holder)
	}
	return point + " · " + holder + " · " + l.periodName(period)
}

// periodKey matches the duty periods named by a letter: 2026-Q4 (quarter),
// 2026-H1 (half year), 2026-W49 (week), 2026-T2 (one of n parts a year).
var periodKey = regexp.MustCompile(`^(\d{4})-([QHWT])(\d{1,2})$`)

// periodName words a duty period; days, months and years stay as they are.
func (l *Ledger) periodName(p string) string {
	if p == duty.SetupPeriod {
		return l.t("LedgerSetupPeriod")
	}
	m := periodKey.FindStringSubmatch(p)
	if m == nil {
		return p
	}
	return l.t("LedgerPeriod"+m[2], "Year", m[1], "N", strings.TrimLeft(m[3], "0"))
}

// FileName names the workbook of [from, to) in the ledger's language, as
// the chat and the API hand it out: 履职档案_20261101_20261130.xlsx.
func (l *Ledger) FileName(from, to time.Time) string {
	return l.t("LedgerFileName", "From", from.In(l.cfg.Location).Format("20060102"),
		"To", to.Add(-time.Nanosecond).In(l.cfg.Location).Format("20060102"))
}
