package noise

import (
	"regexp"
	"strings"
)

// textTopic names the topic of an informational message that does not
// carry one (Ref.Topic), from its text as the locale files write it today
// in both languages. It exists only for code from before Ref.Topic was set
// everywhere; delete it once every informational message names its topic.
func textTopic(text string) string {
	switch {
	case strings.HasPrefix(text, "⏰") && daysLeft.MatchString(text):
		return TopicCountdown // ReminderHeader with DaysLeft on its items
	case strings.HasPrefix(text, "⏰"):
		return TopicReminder // ReminderHeader
	case strings.HasPrefix(text, "🌅"):
		return TopicBrief // BriefHeader
	case strings.HasPrefix(text, "📊"):
		return TopicDigest // DigestHeader, and DigestChartCaption under the chart
	case strings.HasPrefix(text, "🔏"):
		return TopicWitness // LedgerWitness
	case strings.HasPrefix(text, "⚠️ 值班表缺口"), strings.HasPrefix(text, "⚠️ Roster gaps"):
		return TopicRoster // CoverageNoticeHeader
	case strings.HasPrefix(text, "⚠️"):
		return TopicAdmin // AdminUnreachable, AdminBindRefusedDigest, AdminCalendarMissing
	}
	return TopicOther
}

// daysLeft matches the DaysLeft line of a countdown's item.
var daysLeft = regexp.MustCompile(`还有 \d+ 天|\d+ days left`)
