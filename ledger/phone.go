package ledger

import (
	"slices"
	"strings"

	"dutybot/callout"
	"dutybot/config"
)

// 电话叫应 in the workbook: who was reached how (a call's step says whom
// it rang and what became of it), how a call was answered from the phone,
// and what the calls and text messages cost.

// phoneStep says a call or sms step taken for recipient at (formatted):
// "12-02 14:08 电话叫应单位负责人：吴敏（未接听）", or why it reached nobody.
func (l *Ledger) phoneStep(recipient, at string, e callout.Escalation) string {
	role, _ := l.roleLabel(e.Role)
	if role == "" {
		role, _ = l.roleLabel(e.To)
	}
	cause := e.CauseFor(recipient)
	if names, reached := e.PhoneNamed(cause); !reached {
		// Nobody reached: whom it named (or passed over), with the reason.
		reason := ""
		if cause != "" {
			reason = l.wordOr("LedgerReason_", cause)
		}
		return l.t("LedgerStepPhoneSkipped_"+e.Action, "Time", at, "Role", role, "Reason", reason,
			"Names", l.names(names)) + l.noteOf(e)
	}
	people := make([]string, len(e.People))
	for i, p := range e.People {
		people[i] = l.name(p)
		if res := e.Results[p]; res != "" {
			people[i] = l.t("LedgerPhonePerson", "Name", people[i], "Result", l.phoneResult(e.Action, res))
		}
	}
	return l.t("LedgerStepPhone_"+e.Action, "Time", at, "Role", role, "People", strings.Join(people, l.t("LedgerNameSep")))
}

// phoneResult names what became of a call or a text message: a message
// is sent, not dialled, so sms has words of its own (LedgerPhone_sms_…)
// where the call's would not fit.
func (l *Ledger) phoneResult(action, result string) string {
	if action == config.ActionSMS {
		if w, ok := l.word("LedgerPhone_sms_" + result); ok {
			return w
		}
	}
	return l.wordOr("LedgerPhone_", result)
}

// phoneChannel names how a recipient answered from the phone: 电话按键,
// 短信回复.
func (l *Ledger) phoneChannel(channel string) string {
	return l.wordOr("LedgerPhone_", channel+"_channel")
}

// answeredByPhone reports whether the recipient's answer came from the
// phone (a key pressed, an SMS reply) rather than the chat.
func answeredByPhone(r callout.Recipient) bool {
	return r.AckedIn == callout.ChannelPhone || r.AckedIn == callout.ChannelSMS
}

// Phone tallies the call and sms steps taken for this recipient that the
// provider took (callout.PhoneTally): what calling them by phone cost.
// A call to their unit head about several silent recipients counts on
// each of their rows; PhoneTotals counts it once.
func (c Call) Phone() callout.Phone { return callout.PhoneTally([]callout.Recipient{c.Recipient}) }

// PhoneTotals is what 电话叫应 did in the period, for the summary: the
// calls and text messages the provider took, each counted once however
// many recipients it was about, and the people the limits held back.
type PhoneTotals struct {
	callout.Phone
	// Held counts the calls and messages held back (a person once per
	// alert); Phone.Held names them.
	HeldCount int
}

// PhoneTotals sums the phone steps of the book's calls, alert by alert.
func (b *Book) PhoneTotals() PhoneTotals {
	var t PhoneTotals
	byAlert := map[string][]callout.Recipient{}
	var order []string
	for _, c := range b.Calls {
		id := c.Alert.ID
		if _, ok := byAlert[id]; !ok {
			order = append(order, id)
		}
		byAlert[id] = append(byAlert[id], c.Recipient)
	}
	for _, id := range order {
		p := callout.PhoneTally(byAlert[id])
		t.Calls += p.Calls
		t.Pressed += p.Pressed
		t.Answered += p.Answered
		t.NoAnswer += p.NoAnswer
		t.SMS += p.SMS
		t.HeldCount += len(p.Held)
		t.Held = append(t.Held, p.Held...)
	}
	slices.Sort(t.Held)
	t.Held = slices.Compact(t.Held)
	return t
}

// phoneSummary are the summary's rows of 电话叫应: label, count and, for
// the people held back, their names.
func (l *Ledger) phoneSummary(b *Book) [][]any {
	t := b.PhoneTotals()
	return [][]any{
		{l.t("LedgerSummaryPhoneCalls"), t.Calls},
		{l.t("LedgerSummaryPhonePressed"), t.Pressed},
		{l.t("LedgerSummaryPhoneAnswered"), t.Answered},
		{l.t("LedgerSummaryPhoneNoAnswer"), t.NoAnswer},
		{l.t("LedgerSummaryPhoneSMS"), t.SMS},
		{l.t("LedgerSummaryPhoneHeld"), t.HeldCount, l.names(t.Held)},
	}
}
