package ledger

import (
	"slices"
	"strings"
	"testing"
	"time"

	"dutybot/callout"
	"dutybot/config"
	"dutybot/enterprise"
	"dutybot/incident"
	"dutybot/locales"
	"dutybot/storage"
	"dutybot/tips"
)

// Every word the workbook may need exists in both languages: a code, a
// word, a reason, an event type, a target, a column added without its
// messages would show as an id.
func TestEveryWordOfTheWorkbookIsTranslated(t *testing.T) {
	tr := testCatalog(t)
	var ids []string
	add := func(prefix string, keys ...string) {
		for _, k := range keys {
			ids = append(ids, prefix+k)
		}
	}
	add("LedgerEv_", storage.Codes...)
	add("LedgerWord_", storage.Words...)
	add("LedgerReason_", callout.Reasons...)
	add("LedgerEvType_", dutyEvents...)
	add("LedgerEvType_", incident.EvReported, incident.EvUpdate, incident.EvReportedUp, incident.EvLate,
		incident.EvSupplement, incident.EvReminder, tips.EvReceived, tips.EvAssigned, tips.EvOverdue,
		tips.EvClosed, tips.EvVerified, tips.EvRewarded, tips.EvRevealed)
	add("LedgerTo_", config.ToUnitHead, config.ToLeader, config.ToPrincipal, config.ToDutyLeader, config.ToShiftLeader, config.ToOfficeHead)
	add("LedgerLevel_", config.Levels...)
	add("LedgerKind_", "alert", kindTask, "checkin", "spotcheck", "weather", "meltdown", "incident", "tip")
	add("LedgerActor_", "system", "api", "config", "cli", "anonymous", "tipster")
	add("LedgerSheet_", SheetCalls, SheetReports, SheetDuty, SheetIncidents, SheetTips, SheetInspections, SheetHazards,
		SheetPlaques, SheetQuotas, SheetSummary)
	add("LedgerPlaque_", enterprise.PlaqueAdmin, enterprise.PlaqueSupervisor, enterprise.PlaqueGuarantor, "none")
	add("Ledger", "Yes", "No", "InspectionHazard", "QuotaMonthSoFar", "SummaryInspections", "SummaryInspectionsOwn",
		"SummaryInspectionsProblems")
	add("LedgerBreak_", storage.BreakChanged, storage.BreakMissing, storage.BreakReordered, storage.BreakUnchained,
		storage.BreakUnreadable, storage.BreakHead)
	for _, cols := range [][]string{callColumns, reportColumns, eventColumns, officialColumns, unitColumns, hazardColumns,
		enterpriseColumns, inspectionColumns, quotaColumns} {
		add("LedgerCol_", cols...)
	}
	add("LedgerPeriod", "Q", "H", "W", "T")
	add("LedgerStepPhone_", config.PhoneActions...)
	add("LedgerStepPhoneSkipped_", config.PhoneActions...)
	add("LedgerPhone_", config.PhoneActions...)
	add("LedgerPhone_", phoneStates...)
	add("LedgerPhone_", callout.ChannelPhone+"_channel", callout.ChannelSMS+"_channel")
	add("Ledger", "StatePhone", "PhonePerson", "SummaryPhone", "SummaryPhoneCalls", "SummaryPhonePressed", "SummaryPhoneAnswered",
		"SummaryPhoneNoAnswer", "SummaryPhoneSMS", "SummaryPhoneHeld")
	add(vocabMessages[storage.VocabWarningType], config.WarningTypes...)
	add(vocabMessages[storage.VocabIncidentLevel], incident.Levels...)
	add(vocabMessages[storage.VocabIncidentCategory], incident.Categories...)
	add(vocabMessages[storage.VocabMeltdownAction], config.MeltdownActions...)
	for _, lang := range locales.Languages() {
		for _, id := range ids {
			if !slices.Contains(tr.IDs(lang), id) {
				t.Errorf("%s: no message %s", lang, id)
			}
		}
	}
	for _, v := range storage.Vocabs {
		if _, ok := vocabMessages[v]; !ok {
			t.Errorf("vocabulary %s has no messages", v)
		}
	}
}

// Each step of a call says what happened and, when nobody was told, why:
// in the ledger's language, with names, for records of this binary and of
// older ones (an English note).
func TestStepsInWords(t *testing.T) {
	at := time.Date(2026, 11, 30, 8, 20, 0, 0, cst)
	tests := []struct {
		e      callout.Escalation
		zh, en string
	}{
		{callout.Escalation{Action: "remind", At: at}, "11-30 08:20 再次提醒", "11-30 08:20 called again"},
		{callout.Escalation{Action: "remind", At: at, Reason: callout.ReasonUnreachable},
			"11-30 08:20 未能再次提醒（无法送达）", "11-30 08:20 not called again (unreachable)"},
		{callout.Escalation{Action: "escalate", To: "unit_head", People: []string{"o-wu"}, At: at},
			"11-30 08:20 升级至单位负责人：吴敏", "11-30 08:20 escalated to the unit head: 吴敏"},
		{callout.Escalation{Action: "escalate", To: "official:o-wu,o-li", People: []string{"o-wu", "o-li"}, At: at},
			"11-30 08:20 升级至吴敏、李芳", "11-30 08:20 escalated to 吴敏, 李芳"},
		{callout.Escalation{Action: "escalate", To: "official:o-wu", Role: "shift_leader", People: []string{"o-wu"}, At: at},
			"11-30 08:20 升级至带班领导：吴敏", "11-30 08:20 escalated to the shift leader: 吴敏"},
		{callout.Escalation{Action: "escalate", To: "unit_head", Reason: callout.ReasonSelf, Passed: []string{"o-wu"}, At: at},
			"11-30 08:20 未升级：本人即单位负责人，无需再升级", "11-30 08:20 not escalated: they are the unit head themselves"},
		{callout.Escalation{Action: "escalate", To: "official:o-wu", Role: "shift_leader", Reason: callout.ReasonSelf, At: at},
			"11-30 08:20 未升级：本人即带班领导，无需再升级", "11-30 08:20 not escalated: they are the shift leader themselves"},
		{callout.Escalation{Action: "escalate", To: "leader", Reason: callout.ReasonNotHigher, Passed: []string{"o-wu"}, At: at},
			"11-30 08:20 未升级：分管领导吴敏职级不高于本人，不向下升级", "11-30 08:20 not escalated: the leader in charge, 吴敏, does not rank above them"},
		{callout.Escalation{Action: "escalate", To: "unit_head", Reason: callout.ReasonNoTarget, At: at},
			"11-30 08:20 未升级：未配置单位负责人", "11-30 08:20 not escalated: no unit head configured"},
		// Records of older binaries, whose notes were English.
		{callout.Escalation{Action: "remind", At: at, Note: "skipped: unreachable"},
			"11-30 08:20 未能再次提醒（无法送达）", "11-30 08:20 not called again (unreachable)"},
		{callout.Escalation{Action: "escalate", To: "unit_head", At: at, Note: "skipped: no unit_head configured"},
			"11-30 08:20 未升级：未配置单位负责人", "11-30 08:20 not escalated: no unit head configured"},
		{callout.Escalation{Action: "escalate", To: "official:o-wu", At: at, Note: "skipped: no official:o-wu configured"},
			"11-30 08:20 未升级：未配置指定的升级对象", "11-30 08:20 not escalated: no person named for it configured"},
		// 黄磊's own check-in escalated to himself as 带班领导, as an older
		// binary recorded it (the steps are of 李芳's call).
		{callout.Escalation{Action: "escalate", To: "official:o-li", At: at, Note: "skipped: no official:o-li configured"},
			"11-30 08:20 未升级：本人即指定的升级对象，无需再升级", "11-30 08:20 not escalated: they are the person named for it themselves"},
		{callout.Escalation{Action: "escalate", To: "unit_head", At: at, Note: "skipped: something new"},
			"11-30 08:20 未升级：无可升级对象（skipped: something new）", "11-30 08:20 not escalated: nobody to escalate to (skipped: something new)"},
		// Phone steps: whom they rang or texted, and what became of it.
		{callout.Escalation{Action: "call", People: []string{"o-li"}, Results: map[string]string{"o-li": "pressed"}, At: at},
			"11-30 08:20 电话叫应：李芳（已按键确认）", "11-30 08:20 phone call: 李芳 (confirmed with the key)"},
		{callout.Escalation{Action: "call", To: "self", People: []string{"o-li"}, Results: map[string]string{"o-li": "no_answer"}, At: at},
			"11-30 08:20 电话叫应：李芳（未接听）", "11-30 08:20 phone call: 李芳 (not picked up)"},
		{callout.Escalation{Action: "sms", People: []string{"o-li"}, Results: map[string]string{"o-li": "delivered"}, At: at},
			"11-30 08:20 短信：李芳（已送达）", "11-30 08:20 SMS: 李芳 (delivered)"},
		{callout.Escalation{Action: "call", To: "unit_head", People: []string{"o-wu"}, Results: map[string]string{"o-wu": "no_answer"}, At: at},
			"11-30 08:20 电话叫应单位负责人：吴敏（未接听）", "11-30 08:20 phone call to the unit head: 吴敏 (not picked up)"},
		{callout.Escalation{Action: "sms", To: "unit_head", People: []string{"o-wu"}, Results: map[string]string{"o-wu": "placed"}, At: at},
			"11-30 08:20 短信发给单位负责人：吴敏（已发出）", "11-30 08:20 SMS to the unit head: 吴敏 (sent)"},
		{callout.Escalation{Action: "call", To: "official:o-wu,o-chen", Role: "shift_leader", People: []string{"o-wu", "o-chen"},
			Results: map[string]string{"o-wu": "answered", "o-chen": "queued"}, At: at},
			"11-30 08:20 电话叫应带班领导：吴敏（已接听未按键）、陈杰（排队拨打）",
			"11-30 08:20 phone call to the shift leader: 吴敏 (picked up, pressed nothing), 陈杰 (waiting to be called)"},
		{callout.Escalation{Action: "call", People: []string{"o-li"}, Results: map[string]string{"o-li": "held"}, At: at},
			"11-30 08:20 电话叫应：李芳（受频次限制未拨打）", "11-30 08:20 phone call: 李芳 (held back by the call limits)"},
		{callout.Escalation{Action: "sms", People: []string{"o-li"}, Results: map[string]string{"o-li": "held"}, At: at},
			"11-30 08:20 短信：李芳（受频次限制未发送）", "11-30 08:20 SMS: 李芳 (held back by the SMS limits)"},
		{callout.Escalation{Action: "call", People: []string{"o-li"}, At: at}, "11-30 08:20 电话叫应：李芳", "11-30 08:20 phone call: 李芳"},
		{callout.Escalation{Action: "call", Reason: callout.ReasonNoChannel, At: at},
			"11-30 08:20 未电话叫应：未配置电话服务", "11-30 08:20 no phone call: no phone service configured"},
		{callout.Escalation{Action: "sms", To: "unit_head", People: []string{"o-wu"}, Results: map[string]string{"o-wu": "refused"},
			Reason: callout.ReasonNoPhone, At: at},
			"11-30 08:20 未发短信给单位负责人：无可拨打的电话号码（吴敏）", "11-30 08:20 no SMS to the unit head: no number to call (吴敏)"},
		{callout.Escalation{Action: "call", To: "unit_head", Reason: callout.ReasonSelf, Passed: []string{"o-li"}, At: at},
			"11-30 08:20 未电话叫应单位负责人：本人即升级对象（李芳）", "11-30 08:20 no phone call to the unit head: they are the target themselves (李芳)"},
	}
	l, _ := testLedger(t)
	for _, tc := range tests {
		for lang, want := range map[string]string{locales.ZH: tc.zh, locales.EN: tc.en} {
			l.Lang = lang
			if got := l.Steps(callout.Recipient{Official: "o-li", Escalations: []callout.Escalation{tc.e}}); got != want {
				t.Errorf("%s %+v:\n got %q\nwant %q", lang, tc.e, got, want)
			}
		}
	}
	l.Lang = locales.ZH
	two := callout.Recipient{Escalations: []callout.Escalation{{Action: "remind", At: at}, {Action: "remind", At: at.Add(time.Minute)}}}
	if got := l.Steps(two); got != "11-30 08:20 再次提醒；11-30 08:21 再次提醒" {
		t.Errorf("two steps: %q", got)
	}
}

// An event's detail is put into words from its code, with names, hours and
// the reader's words; an event without a code, or with one this binary
// does not know, shows its Detail as written.
func TestEventDetails(t *testing.T) {
	l, _ := testLedger(t)
	start := time.Date(2026, 12, 2, 8, 0, 0, 0, cst)
	tests := []struct {
		name   string
		e      storage.Event
		zh, en string
	}{
		{"check-in asked", storage.Event{Code: storage.CodeShiftCheckin, Detail: "shift 20261202-0800: check-in asked of o-wu,o-li",
			Args: []storage.Arg{storage.Span("Shift", start, start.Add(24*time.Hour)), storage.Officials("People", "o-wu", "o-li")}},
			"2026-12-02（周三）08:00–次日08:00：向吴敏、李芳发出到岗签到", "2026-12-02 (Wed) 08:00–08:00 next day: check-in asked of 吴敏, 李芳"},
		{"a shift within a day", storage.Event{Code: storage.CodeShiftEnded, Args: []storage.Arg{storage.Span("Shift", start, start.Add(12*time.Hour))}},
			"2026-12-02（周三）08:00–20:00", "2026-12-02 (Wed) 08:00–20:00"},
		{"a shift of two days", storage.Event{Code: storage.CodeShiftEnded, Args: []storage.Arg{storage.Span("Shift", start, start.Add(48*time.Hour))}},
			"2026-12-02（周三）08:00–2026-12-04 08:00", "2026-12-02 (Wed) 08:00–2026-12-04 08:00"},
		{"roster imported", storage.Event{Code: storage.CodeRosterImported, Detail: "roster-bom.csv: 1 shifts", Args: []storage.Arg{
			storage.Text("Source", "roster-bom.csv"), storage.Int("Count", 1), storage.Time("From", start),
			storage.Time("To", start.Add(24*time.Hour)), storage.Int("Replaced", 1)}},
			"1 个班次（2026-12-02 08:00 至 2026-12-03 08:00），替换 1 个", "1 shifts (2026-12-02 08:00 to 2026-12-03 08:00), 1 replaced"},
		{"escalated to nobody", storage.Event{Code: storage.CodeEscalated, Args: []storage.Arg{
			storage.Word("To", storage.VocabRole, "unit_head"), storage.Officials("People"),
			storage.Word("Reason", storage.VocabReason, callout.ReasonSelf), storage.Officials("Passed", "o-wu")}},
			"未升级：本人即升级对象（吴敏）", "Not escalated: they are the target themselves (吴敏)"},
		{"escalated", storage.Event{Code: storage.CodeEscalated, Args: []storage.Arg{
			storage.Word("To", storage.VocabRole, "unit_head"), storage.Officials("People", "o-wu")}},
			"升级至单位负责人：吴敏", "Escalated to the unit head: 吴敏"},
		{"words of other packages", storage.Event{Code: storage.CodeDutyMode, Args: []storage.Arg{
			storage.Word("State", storage.VocabWord, storage.WordOn), storage.Word("Type", storage.VocabWarningType, "rainstorm"),
			storage.Word("Level", storage.VocabLevel, "red")}},
			"暴雨红色预警：极端天气值班启动", "Rainstorm warning (Red): extreme-weather duty on"},
		{"optional parts left out", storage.Event{Code: storage.CodeIncidentUpdate, Args: []storage.Arg{storage.Text("Deaths", "0→1")}},
			"死亡 0→1 人", "dead 0→1"},
		{"a unit and a time", storage.Event{Code: storage.CodeTipAssigned, Args: []storage.Arg{storage.Units("Unit", "cgdd"),
			storage.Time("Due", start)}}, "交城管大队办理，须于 2026-12-02 08:00 前办结", "To 城管大队, due 2026-12-02 08:00"},
		{"a hazard under supervision", storage.Event{Code: storage.CodeHazardAssigned, Args: []storage.Arg{
			storage.Text("Enterprise", "某某机械厂"), storage.Time("Due", start), storage.Text("Person", "李老板"),
			storage.Officials("Told", "o-wu"), storage.Word("Listed", storage.VocabWord, storage.WordListed),
			storage.Text("Responsibility", "厂长"), storage.Text("Measures", "停用"), storage.Text("Funds", "8万元"),
			storage.Text("TimeLimit", "15日"), storage.Text("Plan", "撤人"), storage.Officials("Leaders", "o-li")}},
			"挂牌督办，交某某机械厂（李老板）整改，期限 2026-12-02 08:00；已告知吴敏；五落实：责任 厂长，措施 停用，资金 8万元，时限 15日，预案 撤人；已告知李芳",
			"Under supervision (挂牌督办); to 某某机械厂 (李老板) to fix by 2026-12-02 08:00; told 吴敏; five fixes: responsibility 厂长, measures 停用, funds 8万元, time limit 15日, plan 撤人; told 李芳"},
		{"a general hazard found", storage.Event{Code: storage.CodeHazardFound, Args: []storage.Arg{
			storage.Text("Enterprise", "某某机械厂"), storage.Word("Level", storage.VocabWord, storage.WordGeneral),
			storage.Text("Description", "配电箱未接地")}},
			"某某机械厂：一般隐患，配电箱未接地", "某某机械厂: General hazard, 配电箱未接地"},
		{"a call about someone else's silence", storage.Event{Code: storage.CodePhoned, Args: []storage.Arg{
			storage.Word("Kind", storage.VocabPhone, "call"), storage.Officials("People", "o-wu"), storage.Officials("About", "o-li")}},
			"电话叫应：吴敏（因李芳未应答）", "phone call: 吴敏 (as 李芳 has not answered)"},
		{"an SMS to the recipient", storage.Event{Code: storage.CodePhoned, Args: []storage.Arg{
			storage.Word("Kind", storage.VocabPhone, "sms"), storage.Officials("People", "o-li")}},
			"短信叫应：李芳", "SMS: 李芳"},
		{"a key pressed", storage.Event{Code: storage.CodePhoneResult, Args: []storage.Arg{storage.Word("Kind", storage.VocabPhone, "call"),
			storage.Word("Result", storage.VocabPhone, "pressed"), storage.Officials("People", "o-wu"), storage.Text("Key", "1")}},
			"电话：吴敏，已按键确认（按键 1）", "phone call: 吴敏, confirmed with the key (key 1)"},
		{"an SMS delivered", storage.Event{Code: storage.CodePhoneResult, Args: []storage.Arg{storage.Word("Kind", storage.VocabPhone, "sms"),
			storage.Word("Result", storage.VocabPhone, "delivered"), storage.Officials("People", "o-li")}},
			"短信：李芳，已送达", "SMS: 李芳, delivered"},
		{"held back", storage.Event{Code: storage.CodePhoneHeld, Args: []storage.Arg{storage.Word("Kind", storage.VocabPhone, "call"),
			storage.Officials("People", "o-li"), storage.Int("Most", 3), storage.Word("Per", storage.VocabPhone, "hour")}},
			"电话受频次限制未发出：李芳（上限每小时 3 次）", "phone call held back by the limits: 李芳 (at most 3 an hour)"},
		{"answered by phone", storage.Event{Code: storage.CodeAckedPhone, Args: []storage.Arg{storage.Word("Channel", storage.VocabPhone, "phone")}},
			"通过电话按键确认", "Acknowledged by phone key"},
		{"answered by SMS", storage.Event{Code: storage.CodeAckedPhone, Args: []storage.Arg{storage.Word("Channel", storage.VocabPhone, "sms")}},
			"通过短信确认", "Acknowledged by SMS"},
		{"an old event", storage.Event{Detail: "shift 20261202-0800: asked o-wu"}, "shift 20261202-0800: asked o-wu", "shift 20261202-0800: asked o-wu"},
		{"a code of a newer binary", storage.Event{Code: "from_the_future", Detail: "as written"}, "as written", "as written"},
	}
	for _, tc := range tests {
		for lang, want := range map[string]string{locales.ZH: tc.zh, locales.EN: tc.en} {
			l.Lang = lang
			if got := l.detail(tc.e); got != want {
				t.Errorf("%s, %s: %q, want %q", tc.name, lang, got, want)
			}
		}
	}
}

// Duty periods read as periods: names, not keys.
func TestTaskNames(t *testing.T) {
	l, _ := testLedger(t)
	tests := []struct{ id, zh, en string }{
		{"14.2/~o-wu/2026-12-02", "14.2 · 吴敏 · 2026-12-02", "14.2 · 吴敏 · 2026-12-02"},
		{"14.1/yjb/2026-12", "14.1 · 应急办 · 2026-12", "14.1 · 应急办 · 2026-12"},
		{"3.1/*/2026-Q4", "3.1 · 全镇 · 2026年第4季度", "3.1 · Whole town · Q4 2026"},
		{"3.1/*/2026-H1", "3.1 · 全镇 · 2026年上半年", "3.1 · Whole town · first half of 2026"},
		{"3.1/*/2026-H2", "3.1 · 全镇 · 2026年下半年", "3.1 · Whole town · second half of 2026"},
		{"5.1/yjb/2026-W05", "5.1 · 应急办 · 2026年第5周", "5.1 · 应急办 · week 5 of 2026"},
		{"5.2/yjb/2026-T3", "5.2 · 应急办 · 2026年第3期", "5.2 · 应急办 · part 3 of 2026"},
		{"1.1/yjb/setup", "1.1 · 应急办 · 启动事项", "1.1 · 应急办 · set-up"},
		{"not an id", "not an id", "not an id"},
	}
	for _, tc := range tests {
		for lang, want := range map[string]string{locales.ZH: tc.zh, locales.EN: tc.en} {
			l.Lang = lang
			if got := l.taskName(tc.id); got != want {
				t.Errorf("%s %s: %q, want %q", lang, tc.id, got, want)
			}
		}
	}
}

// The workbook is in the configured language; a language the catalogue
// does not know falls back to its default.
func TestLedgerLanguage(t *testing.T) {
	cfg, err := config.Parse([]byte(strings.Replace(testConfig, "timezone:", "language: en\ntimezone:", 1)))
	if err != nil {
		t.Fatal(err)
	}
	nov := time.Date(2026, 11, 1, 0, 0, 0, 0, cfg.Location)
	if l := New(cfg, nil, testCatalog(t)); l.Lang != locales.EN || l.SheetName(SheetCalls) != "Calls" ||
		l.FileName(nov, nov.AddDate(0, 1, 0)) != "duty-ledger_20261101_20261130.xlsx" {
		t.Errorf("en ledger: %q %q %q", l.Lang, l.SheetName(SheetCalls), l.FileName(nov, nov.AddDate(0, 1, 0)))
	}
	l, _ := testLedger(t)
	if l.Lang != locales.ZH || l.SheetName(SheetCalls) != "叫应记录" || l.name("system") != "系统" || l.name("o-nobody") != "o-nobody" ||
		l.FileName(nov, nov.AddDate(0, 1, 0)) != "履职档案_20261101_20261130.xlsx" {
		t.Errorf("zh ledger: %q %q %q", l.Lang, l.SheetName(SheetCalls), l.name("system"))
	}
}
