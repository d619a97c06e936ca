package callout

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"dutybot/storage"
)

// The 叫应 buckets; their names and key layouts are the on-disk schema of
// existing databases.
const (
	alertsBucket     = "alerts"        // alert id -> Alert
	recipientsBucket = "recipients"    // alert id \x00 official id -> Recipient
	noticesBucket    = "notices"       // alert id \x00 target official id -> Notice
	targetsBucket    = "alert_targets" // alert id -> Targets
	linksBucket      = "alert_links"   // link (what raised an alert) -> alert id
)

// Alert states.
const (
	AlertOpen   = "open"
	AlertClosed = "closed" // closed by the issuer or an admin
	AlertDone   = "done"   // every recipient answered
)

// Recipient states; the names are part of the HTTP API.
const (
	StatePending     = "pending"
	StateAcked       = "acked"
	StateEscalated   = "escalated"
	StateUnreachable = "unreachable"
)

// Targets says who an alert is for.
type Targets struct {
	Units     []string `json:"units"`
	Officials []string `json:"officials"`
	Roles     []string `json:"roles"`
	All       bool     `json:"all"`
	// Groups are work groups (config groups) whose expected officials
	// answer with one tap on one message posted in the group.
	Groups []string `json:"groups,omitempty"`
}

// Step is an escalation step frozen into the alert when it is created, so a
// configuration change does not alter alerts already running.
type Step struct {
	After  time.Duration `json:"after"`
	Action string        `json:"action"`
	To     string        `json:"to,omitempty"`
	// Role is the configured target To was resolved from when To names
	// people ("official:o-li"): shift_leader, office_head. Readers say
	// "带班领导 黄磊" rather than "指定人员".
	Role string `json:"role,omitempty"`
}

// Alert is one 叫应 call to a set of officials.
type Alert struct {
	ID    string `json:"id"`
	Kind  string `json:"kind"`
	Level string `json:"level"`
	Title string `json:"title"`
	Body  string `json:"body"`
	// Targets are stored apart (AlertTargets): an alert may name thousands
	// of officials, and the record is read on every answer.
	Targets    Targets   `json:"-"`
	Issuer     string    `json:"issuer,omitempty"` // official id; empty for the HTTP API
	Source     string    `json:"source"`           // "chat" or "api"
	CreatedAt  time.Time `json:"created_at"`
	State      string    `json:"state"`
	ClosedAt   time.Time `json:"closed_at,omitempty"`
	ClosedBy   string    `json:"closed_by,omitempty"`
	Steps      []Step    `json:"steps"`
	Total      int       `json:"total"`      // recipients
	Unanswered int       `json:"unanswered"` // recipients not yet acknowledged
	// Recipients lists the recipients' ids; filled by Create only, the
	// stored record stays small however many people an alert reaches.
	Recipients  []string `json:"-"`
	Links       []string `json:"links,omitempty"` // what raised it (Request.Links)
	SummaryChat int64    `json:"summary_chat,omitempty"`
	SummaryMsg  int      `json:"summary_msg,omitempty"`
	// Local holds the title and body in other languages, by language tag,
	// for alerts the system words itself (an overdue duty): each recipient
	// reads it in their own language. Title and Body are the default's.
	Local map[string]AlertText `json:"local,omitempty"`
	// PaidCalls is how many first calls Create queued for paid broadcast
	// (Estimate's figure, recorded with the alert): what the issuer was
	// told it would cost. Recipient.Paid tells which went out paid.
	PaidCalls int `json:"paid_calls,omitempty"`
}

// AlertText is an alert's title and body in one language.
type AlertText struct {
	Title string `json:"title"`
	Body  string `json:"body,omitempty"`
}

// TitleIn is the alert's title in lang, the default's when it has none.
func (a Alert) TitleIn(lang string) string {
	if t, ok := a.Local[lang]; ok {
		return t.Title
	}
	return a.Title
}

// BodyIn is the alert's body in lang, the default's when it has none.
func (a Alert) BodyIn(lang string) string {
	if t, ok := a.Local[lang]; ok {
		return t.Body
	}
	return a.Body
}

// Escalation records one step taken for a recipient.
type Escalation struct {
	Step   int       `json:"step"`
	Action string    `json:"action"`
	To     string    `json:"to,omitempty"`     // unit_head, leader, ...
	Role   string    `json:"role,omitempty"`   // the Step's Role, when To names people
	People []string  `json:"people,omitempty"` // officials notified
	At     time.Time `json:"at"`
	// Reason says why the step reached nobody (Reason…); Passed are the
	// people the target named who were left out (the recipient themself,
	// or someone not above them).
	Reason string   `json:"reason,omitempty"`
	Passed []string `json:"passed,omitempty"`
	// Results says, for a call or sms step, what became of it for each
	// person it reached (phone.Result…: pressed, answered, no_answer…).
	Results map[string]string `json:"results,omitempty"`
	// Note is what records written before Reason said, in English:
	// "skipped: unreachable", "skipped: no unit_head configured".
	Note string `json:"note,omitempty"`
}

// Reasons a step reached nobody (Escalation.Reason).
const (
	ReasonUnreachable = "unreachable" // a second call: the recipient cannot be reached
	ReasonNoTarget    = "no_target"   // nobody holds the role for the recipient (no unit head configured)
	ReasonSelf        = "self"        // the recipient is the target themself (a unit head's own call)
	ReasonNotHigher   = "not_higher"  // the target does not rank above the recipient: never escalated down
	ReasonNoChannel   = "no_channel"  // a call or sms step while no phone provider is configured
	ReasonNoPhone     = "no_phone"    // nobody the step names has a number to call
)

// Reasons lists the reasons, for the tests that each is put into words.
var Reasons = []string{ReasonUnreachable, ReasonNoTarget, ReasonSelf, ReasonNotHigher, ReasonNoChannel, ReasonNoPhone}

// Cause is why the step reached nobody: its Reason, or what the Note of a
// record written before reasons were typed said; "" when it reached
// someone, or the note is not one the engine wrote.
func (e Escalation) Cause() string { return e.CauseFor("") }

// CauseFor is Cause for a step taken for recipient: an older record that
// found "no official:o-hl configured" when o-hl is the recipient was the
// recipient's own call escalated to themself (a 带班领导's own check-in).
func (e Escalation) CauseFor(recipient string) string {
	switch {
	case e.Reason != "":
		return e.Reason
	case e.Note == "skipped: unreachable":
		return ReasonUnreachable
	case strings.HasPrefix(e.Note, "skipped: no ") && strings.HasSuffix(e.Note, " configured"):
		if list, ok := strings.CutPrefix(e.To, "official:"); ok && recipient != "" && list == recipient {
			return ReasonSelf
		}
		return ReasonNoTarget
	}
	return ""
}

// NoteText says in English why the step reached nobody, as the Note of
// records written before Reason did: for the HTTP API's "note".
func (e Escalation) NoteText() string {
	switch e.Reason {
	case "":
		return e.Note
	case ReasonUnreachable:
		return "skipped: unreachable"
	case ReasonNoTarget:
		return "skipped: no " + e.To + " configured"
	case ReasonSelf:
		return "skipped: the recipient is the " + e.target() + " themself"
	case ReasonNotHigher:
		return "skipped: the " + e.target() + " does not rank above the recipient"
	case ReasonNoChannel:
		return "skipped: no phone provider configured"
	case ReasonNoPhone:
		return "skipped: no phone number"
	}
	return "skipped: " + e.Reason
}

func (e Escalation) target() string {
	if e.Role != "" {
		return e.Role
	}
	return e.To
}

// MessageRef points at a message the bot sent.
type MessageRef struct {
	ChatID    int64 `json:"chat_id"`
	MessageID int   `json:"message_id"`
	// Kind is what the message was, RefCall or RefRemind, so an edit after
	// the answer keeps its heading (第二次叫应 stays the second call).
	// Empty in records written before it existed: read as RefCall.
	Kind string `json:"kind,omitempty"`
}

// Recipient is one official's side of an alert.
type Recipient struct {
	AlertID     string       `json:"alert_id"`
	Official    string       `json:"official"`
	State       string       `json:"state"`
	QueuedAt    time.Time    `json:"queued_at"`
	SentAt      time.Time    `json:"sent_at,omitzero"` // first delivery; steps count from here
	NextStep    int          `json:"next_step"`
	NextAt      time.Time    `json:"next_at,omitzero"`
	AckedAt     time.Time    `json:"acked_at,omitzero"`
	AckedBy     string       `json:"acked_by,omitempty"`
	Escalations []Escalation `json:"escalations,omitempty"`
	Messages    []MessageRef `json:"messages,omitempty"`
	Unreachable string       `json:"unreachable,omitempty"` // why, when it could not be reached
	// Group is the work group the recipient is called in (channel group):
	// one message there for all its recipients, not a private call; ""
	// for a private call.
	Group string `json:"group,omitempty"`
	// AckedIn is where the recipient answered: ChannelGroup for a press
	// on the group's message, "" for a private answer.
	AckedIn string `json:"acked_in,omitempty"`
	// Paid records that the first call was delivered by paid broadcast
	// (0.1 Star); false when it went at the free pace, paid or not asked.
	Paid bool `json:"paid,omitempty"`
	// Unit is the official's unit when the alert was raised: a directory
	// reload may remove them while the alert runs, and their silence still
	// escalates to that unit's head, after a restart too.
	Unit string `json:"unit,omitempty"`
}

// ChannelGroup is a recipient called, or answering, in a work group.
const ChannelGroup = "group"

// Answered reports whether the recipient's call is settled.
func (r Recipient) Answered() bool { return r.State == StateAcked }

// Notice is the single escalation message one person gets for one alert,
// listing every recipient escalated to them.
type Notice struct {
	AlertID   string    `json:"alert_id"`
	Target    string    `json:"target"`
	Silent    []string  `json:"silent"` // recipients escalated to the target
	Handled   bool      `json:"handled,omitempty"`
	HandledAt time.Time `json:"handled_at,omitempty"`
	ChatID    int64     `json:"chat_id,omitempty"`
	MessageID int       `json:"message_id,omitempty"` // the live message, edited as the notice changes; 0 until delivered
	// SentAt is when the live message was delivered (its phone rang):
	// while it is recent, people added to the notice are shown by editing
	// it; later they ring a fresh one.
	SentAt time.Time `json:"sent_at,omitempty"`
	// Messages counts the notice messages delivered to the target for the
	// alert: one, unless the last one was old or could not be edited.
	Messages int `json:"messages,omitempty"`
}

func pairKey(a, b string) []byte { return []byte(a + "\x00" + b) }

// alertSeqKey is the meta key of a day's alert counter (8 bytes BE).
func alertSeqKey(day string) string { return "alert_seq:" + day }

// NextAlertID returns a new alert id such as 20261128-0007: the local date
// and a counter that starts again each day, short enough to read out on the
// phone. Past 9999 alerts in a day the counter grows a digit.
func NextAlertID(tx *storage.Tx, now time.Time) (string, error) {
	day := now.Format("20060102")
	key := alertSeqKey(day)
	var seq uint64 = 1
	if v, ok := tx.Meta(key); ok {
		if len(v) != 8 {
			return "", fmt.Errorf("alert counter %s: %d bytes, want 8", key, len(v))
		}
		seq = binary.BigEndian.Uint64([]byte(v)) + 1
	}
	if err := tx.PutMeta(key, string(binary.BigEndian.AppendUint64(nil, seq))); err != nil {
		return "", fmt.Errorf("count alert %s: %w", day, err)
	}
	return fmt.Sprintf("%s-%04d", day, seq), nil
}

// PutAlert stores an alert.
func PutAlert(tx *storage.Tx, a Alert) error {
	return tx.Records(alertsBucket).Put([]byte(a.ID), a)
}

// PutAlertTargets stores whom an alert was addressed to.
func PutAlertTargets(tx *storage.Tx, id string, tg Targets) error {
	return tx.Records(targetsBucket).Put([]byte(id), tg)
}

// AlertTargets loads whom an alert was addressed to.
func AlertTargets(tx *storage.Tx, id string) (Targets, error) {
	var tg Targets
	err := tx.Records(targetsBucket).Get([]byte(id), &tg)
	return tg, err
}

// LoadAlert loads an alert.
func LoadAlert(tx *storage.Tx, id string) (Alert, error) {
	var a Alert
	err := tx.Records(alertsBucket).Get([]byte(id), &a)
	return a, err
}

// decodeAt decodes a record of bucket read by a scan, as Records.Get
// would: a CorruptError when it does not decode.
func decodeAt(bucket string, k, raw []byte, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return &storage.CorruptError{Bucket: bucket, Key: append([]byte(nil), k...), Err: err}
	}
	return nil
}

// OpenAlerts lists alerts still open, oldest first (by creation time).
func OpenAlerts(tx *storage.Tx) ([]Alert, error) {
	var out []Alert
	err := tx.Records(alertsBucket).Scan(nil, nil, func(k, raw []byte) error {
		var a Alert
		if err := decodeAt(alertsBucket, k, raw, &a); err != nil {
			return err
		}
		if a.State == AlertOpen {
			out = append(out, a)
		}
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out, err
}

// PutRecipient stores a recipient.
func PutRecipient(tx *storage.Tx, r Recipient) error {
	return tx.Records(recipientsBucket).Put(pairKey(r.AlertID, r.Official), r)
}

// LoadRecipient loads one recipient of an alert.
func LoadRecipient(tx *storage.Tx, alertID, official string) (Recipient, error) {
	var r Recipient
	err := tx.Records(recipientsBucket).Get(pairKey(alertID, official), &r)
	return r, err
}

// Recipients lists the recipients of an alert in key order.
func Recipients(tx *storage.Tx, alertID string) ([]Recipient, error) {
	var out []Recipient
	err := tx.Records(recipientsBucket).Scan([]byte(alertID+"\x00"), nil, func(k, raw []byte) error {
		var r Recipient
		if err := decodeAt(recipientsBucket, k, raw, &r); err != nil {
			return err
		}
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PutNotice stores an escalation notice.
func PutNotice(tx *storage.Tx, n Notice) error {
	return tx.Records(noticesBucket).Put(pairKey(n.AlertID, n.Target), n)
}

// LoadNotice loads the notice of an alert for a target.
func LoadNotice(tx *storage.Tx, alertID, target string) (Notice, error) {
	var n Notice
	err := tx.Records(noticesBucket).Get(pairKey(alertID, target), &n)
	return n, err
}

// Notices lists the escalation notices of an alert.
func Notices(tx *storage.Tx, alertID string) ([]Notice, error) {
	var out []Notice
	err := tx.Records(noticesBucket).Scan([]byte(alertID+"\x00"), nil, func(k, raw []byte) error {
		var n Notice
		if err := decodeAt(noticesBucket, k, raw, &n); err != nil {
			return err
		}
		out = append(out, n)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PutLink records the alert raised for a link.
func PutLink(tx *storage.Tx, link, alertID string) error {
	return tx.Records(linksBucket).PutRaw([]byte(link), []byte(alertID))
}

// LinkedAlert returns the id of the alert raised for a link.
func LinkedAlert(tx *storage.Tx, link string) (string, bool) {
	v := tx.Records(linksBucket).GetRaw([]byte(link))
	return string(v), v != nil
}

// AlertsFrom calls fn for each alert whose id is at or after from, in id
// order. Alert ids start with their local creation date (20261130-0007),
// so AlertsFrom(tx, "20261101", fn) reads the alerts created since 1
// November without decoding the older ones: the duty board's 30-day answer
// rates cost what the window holds, not the whole history. fn returning an
// error stops the walk with that error.
func AlertsFrom(tx *storage.Tx, from string, fn func(Alert) error) error {
	return tx.Records(alertsBucket).Scan(nil, []byte(from), func(k, raw []byte) error {
		var a Alert
		if err := json.Unmarshal(raw, &a); err != nil {
			return fmt.Errorf("decode alert %s: %w", k, err)
		}
		return fn(a)
	})
}

// RecipientsEach calls fn for each recipient of an alert in key order,
// like Recipients without building the list.
func RecipientsEach(tx *storage.Tx, alertID string, fn func(Recipient) error) error {
	return tx.Records(recipientsBucket).Scan([]byte(alertID+"\x00"), nil, func(k, raw []byte) error {
		var r Recipient
		if err := json.Unmarshal(raw, &r); err != nil {
			return fmt.Errorf("decode recipient %q: %w", k, err)
		}
		return fn(r)
	})
}

// Why a recipient cannot be reached (Recipient.Unreachable), as the engine
// records it; a failed send records the Bot API's answer as it came.
// Readers put them into words with UnreachableCause.
const (
	UnreachableUnbound = "not bound to Telegram"
	UnreachableBlocked = "chat blocked the bot"
	unreachableStalled = "Telegram has not taken the call for "
)

// Causes of UnreachableCause.
const (
	CauseUnbound = "unbound" // never bound the bot
	CauseBlocked = "blocked" // blocked the bot, or the chat is gone
	CauseStalled = "stalled" // Telegram did not take the call for a while (after)
)

// UnreachableStalled is the reason recorded when Telegram has not taken a
// call for d.
func UnreachableStalled(d time.Duration) string { return unreachableStalled + d.String() }

// UnreachableCause reads a recorded reason: one of Cause…, with how long
// Telegram did not take the call for CauseStalled; "" for a reason of the
// Bot API, to be shown as it is.
func UnreachableCause(reason string) (cause string, after time.Duration) {
	switch reason {
	case UnreachableUnbound:
		return CauseUnbound, 0
	case UnreachableBlocked:
		return CauseBlocked, 0
	}
	if s, ok := strings.CutPrefix(reason, unreachableStalled); ok {
		if d, err := time.ParseDuration(s); err == nil {
			return CauseStalled, d
		}
	}
	return "", 0
}
