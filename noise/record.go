package noise

import (
	"strings"
	"sync"
	"time"

	"dutybot/hazard"
	"dutybot/storage"
)

// Topics of routine pushes (Ref.Topic, or textTopic for messages without
// one), in the order tables show them; topics not listed follow by name.
const (
	TopicAgenda    = "agenda"
	TopicReminder  = "reminder"
	TopicCountdown = "countdown"
	TopicBrief     = "brief"
	TopicDigest    = "digest"
	TopicWitness   = "witness"
	TopicRoster    = "roster"
	TopicAdmin     = "admin"
	TopicOther     = "info" // informational, of no known topic
)

var topicOrder = []string{TopicAgenda, TopicReminder, TopicCountdown, TopicBrief, TopicDigest,
	TopicWitness, TopicRoster, TopicAdmin, TopicOther}

// TopicHazard is the hazard loop's notices (交办, 整改, 复查, 销号): work
// an official is part of, counted apart from the routine pushes, as calls
// are. The overdue 叫应 of a hazard is CatHazardCall.
const TopicHazard = hazard.KindHazard

// CatHazardCall is the category of the overdue calls of hazards.
const CatHazardCall = CallPrefix + hazard.KindHazard

// Categories of what is not a routine push.
const (
	CallPrefix = "call:" // a 叫应 call, followed by the alert's kind ("call:task": overdue items)
	CatRemind  = "remind"
	CatNotice  = "notice"
	CatEdit    = "edit"   // an edit of a message already there: no notification
	CatOther   = "other:" // followed by the Ref.Kind of anything else ("other:summary")
)

// CatTaskCall is the category of calls for overdue items.
const CatTaskCall = CallPrefix + taskAlertKind

// delivery is one message delivered to an official, as the observer saw it.
type delivery struct {
	official string
	at       time.Time
	op       string
	kind     string // Ref.Kind
	topic    string // Ref.Topic, or textTopic for informational messages
	alert    string
	items    []string // item ids its buttons name
	// step is the step of the hazard loop the simulation was taking when
	// the message went out ("" for none).
	step string
}

// routine reports whether a delivery is a routine push: a new
// informational message, not of the hazard loop.
func (d delivery) routine() bool {
	return d.kind == storage.RefInfo && d.op != storage.OpEdit && d.topic != TopicHazard
}

// category names what a delivery is counted as; alertKind is the kind of
// the alert it is about, if any.
func (d delivery) category(alertKind string) string {
	switch {
	case d.op == storage.OpEdit:
		return CatEdit
	case d.kind == storage.RefInfo:
		return d.topic
	case d.kind == storage.RefCall:
		if alertKind == "" {
			alertKind = "unknown"
		}
		return CallPrefix + alertKind
	case d.kind == storage.RefRemind:
		return CatRemind
	case d.kind == storage.RefNotice:
		return CatNotice
	}
	return CatOther + d.kind
}

// recorder collects deliveries; the outbox calls observe from its workers.
type recorder struct {
	byChat map[int64]string // chat → official, for jobs that name none

	mu    sync.Mutex
	seen  []delivery
	anons int    // deliveries to no known official
	step  string // the step of the hazard loop being taken
}

// setStep names the step of the hazard loop whose messages follow; ""
// when none is being taken.
func (r *recorder) setStep(step string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.step = step
}

func newRecorder(byChat map[int64]string) *recorder { return &recorder{byChat: byChat} }

// observe is the outbox's OnDelivered.
func (r *recorder) observe(j storage.Job, _ int, at time.Time) {
	d := delivery{official: j.Ref.Official, at: at, op: j.Op, kind: j.Ref.Kind, topic: j.Ref.Topic, alert: j.Ref.Alert}
	if d.official == "" {
		d.official = r.byChat[j.ChatID]
	}
	if d.kind == storage.RefInfo && d.topic == "" {
		d.topic = textTopic(j.Text)
	}
	for _, row := range j.Buttons {
		for _, b := range row {
			if id, ok := buttonItem(b.Data); ok {
				d.items = append(d.items, id)
			}
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	d.step = r.step
	if d.official == "" {
		r.anons++
		return
	}
	r.seen = append(r.seen, d)
}

// count is how many deliveries were observed.
func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.seen) + r.anons
}

// deliveries returns what was observed.
func (r *recorder) deliveries() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.seen...)
}

// alertInfo is what the counting needs of an alert.
type alertInfo struct {
	kind  string
	links []string
}

// linkedItems lists the item ids an alert's links name.
func (a alertInfo) linkedItems() []string {
	var out []string
	for _, l := range a.links {
		if id, ok := strings.CutPrefix(l, taskLink); ok {
			out = append(out, id)
		}
	}
	return out
}
