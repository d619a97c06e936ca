package board

import (
	"strings"

	"dutybot/callout"
	"dutybot/config"
	"dutybot/locales"
)

// 电话叫应 on the board: a call or sms step under a recipient says whom it
// rang and what became of it, as the chat's steps do; a card tallies what
// its calls and text messages did. What became of a call (LedgerPhone_…)
// and why a step reached nobody (LedgerReason_…) are the words the
// workbook uses, so the board and the 台账 say them alike.

// phoneStep says a call or sms step: "14:08 电话叫应单位负责人：吴敏（未接听）",
// or why it reached nobody.
func (s *Server) phoneStep(v *view, at, cause string, e callout.Escalation) string {
	role, _ := roleOf(v, e)
	if names, reached := e.PhoneNamed(cause); !reached {
		reason := ""
		if cause != "" {
			reason = wordOr(v, "LedgerReason_", cause)
		}
		return v.T("BoardStepPhoneSkipped_"+e.Action, "Time", at, "Role", role, "Reason", reason, "Names", s.names(v.Lang, names))
	}
	people := make([]string, len(e.People))
	for i, p := range e.People {
		people[i] = s.d.Config.OfficialName(p)
		if res := e.Results[p]; res != "" {
			people[i] = v.T("BoardPhonePerson", "Name", people[i], "Result", phoneResult(v, e.Action, res))
		}
	}
	sep := "、"
	if v.Lang == locales.EN {
		sep = ", "
	}
	return v.T("BoardStepPhone_"+e.Action, "Time", at, "Role", role, "People", strings.Join(people, sep))
}

// phoneResult names what became of a call or text message; a text message
// has words of its own where the call's speak of dialling.
func phoneResult(v *view, action, result string) string {
	if action == config.ActionSMS && v.tr.Has("LedgerPhone_sms_"+result) {
		return v.T("LedgerPhone_sms_" + result)
	}
	return wordOr(v, "LedgerPhone_", result)
}

// wordOr renders prefix+key, or key itself when there is no such message:
// something new is shown rather than dropped.
func wordOr(v *view, prefix, key string) string {
	if v.tr.Has(prefix + key) {
		return v.T(prefix + key)
	}
	return key
}

// phoneLine tallies an alert's calls and text messages for its card:
// empty when it had none.
func (s *Server) phoneLine(v *view, rs []callout.Recipient) (tally, held string) {
	p := callout.PhoneTally(rs)
	if !p.Any() {
		return "", ""
	}
	tally = v.T("BoardPhone", "Calls", p.Calls, "Pressed", p.Pressed, "Answered", p.Answered, "NoAnswer", p.NoAnswer, "SMS", p.SMS)
	if len(p.Held) > 0 {
		held = v.T("BoardPhoneHeld", "Names", s.names(v.Lang, p.Held))
	}
	return tally, held
}
