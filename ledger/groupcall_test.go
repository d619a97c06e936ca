package ledger

import (
	"strings"
	"testing"

	"dutybot/callout"
	"dutybot/config"
)

// A call answered by a press in a work group says so, by the group's
// name; one answered privately, or in a group the configuration no longer
// names, reads as answered.
func TestCallStateInAGroup(t *testing.T) {
	l, _ := testLedger(t)
	l.cfg.Groups = append(l.cfg.Groups, config.Group{ID: "g-flood", Name: "防汛群"})
	for _, tc := range []struct {
		name string
		r    callout.Recipient
		want string
	}{
		{"in the group", callout.Recipient{Official: "o-zhang", State: callout.StateAcked, AckedBy: "o-zhang", Group: "g-flood", AckedIn: callout.ChannelGroup}, "已应答（工作群“防汛群”）"},
		{"privately, though called in the group", callout.Recipient{Official: "o-zhang", State: callout.StateAcked, AckedBy: "o-zhang", Group: "g-flood"}, "已应答"},
		{"in a group no longer configured", callout.Recipient{Official: "o-zhang", State: callout.StateAcked, AckedBy: "o-zhang", Group: "g-gone", AckedIn: callout.ChannelGroup}, "已应答"},
		{"taken over", callout.Recipient{Official: "o-zhang", State: callout.StateAcked, AckedBy: "o-wu", Group: "g-flood"}, "吴敏"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := l.CallState(Call{Recipient: tc.r})
			if tc.name == "taken over" {
				if got == "已应答" || !strings.Contains(got, tc.want) {
					t.Errorf("CallState = %q, want one naming %s", got, tc.want)
				}
				return
			}
			if got != tc.want {
				t.Errorf("CallState = %q, want %q", got, tc.want)
			}
		})
	}
}
