package tips

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"dutybot/storage"
)

// Event types of hazard tips (隐患举报). Event.Alert is the tip's reference;
// an anonymous tipster's identity never appears in any field (Actor is
// "anonymous").
const (
	EvReceived = "tip_received"
	EvAssigned = "tip_assigned"
	EvOverdue  = "tip_overdue"
	EvClosed   = "tip_closed"
	EvVerified = "tip_verified" // closed and found true
	EvRewarded = "tip_rewarded"
	EvRevealed = "tip_revealed" // an anonymous tipster's identity was revealed
)

// Tip states.
const (
	StateNew      = "new"      // received, not yet assigned
	StateAssigned = "assigned" // a unit handles it
	StateClosed   = "closed"   // the unit gave its result
)

// tipsBucket holds the tips: ref -> Tip. Its name and keys are the on-disk
// schema of existing databases.
const tipsBucket = "tips"

// seqPrefix starts the meta entries that number each month's tips
// ("tip_seq:2611" -> the last number, in decimal).
const seqPrefix = "tip_seq:"

// Tip is a hazard report. It holds no trace of an anonymous tipster: who
// sent it is sealed apart (SealTipster), so a copy of the tips bucket or an
// export does not show it.
type Tip struct {
	Ref    string         `json:"ref"` // T2611-0007
	Text   string         `json:"text"`
	Photos []string       `json:"photos,omitempty"` // Telegram file ids
	Place  string         `json:"place,omitempty"`  // typed place
	Point  *storage.Point `json:"point,omitempty"`  // shared location
	// Anonymous tips show handlers no identity; the Named* fields are empty.
	Anonymous     bool   `json:"anonymous"`
	NamedName     string `json:"named_name,omitempty"`
	NamedUsername string `json:"named_username,omitempty"` // Telegram @username
	NamedOfficial string `json:"named_official,omitempty"` // when the tipster is an official
	NamedPhone    string `json:"named_phone,omitempty"`

	State      string    `json:"state"`
	ReceivedAt time.Time `json:"received_at"`
	// Unit handles the tip by Due; Assignments counts assignments, so a
	// reassigned tip raises a fresh overdue 叫应.
	Unit        string    `json:"unit,omitempty"`
	AssignedBy  string    `json:"assigned_by,omitempty"`
	AssignedAt  time.Time `json:"assigned_at,omitempty"`
	Due         time.Time `json:"due,omitempty"`
	Assignments int       `json:"assignments,omitempty"`
	Overdue     bool      `json:"overdue,omitempty"`
	ClosedAt    time.Time `json:"closed_at,omitempty"`
	ClosedBy    string    `json:"closed_by,omitempty"`
	Result      string    `json:"result,omitempty"`
	Verified    bool      `json:"verified,omitempty"`
	Reward      string    `json:"reward,omitempty"` // yuan, "500" or "500.50"
	RewardedAt  time.Time `json:"rewarded_at,omitempty"`
	RewardedBy  string    `json:"rewarded_by,omitempty"`
}

// NextRef numbers a new tip by the month of now: T2611-0001, T2611-0002…
// (now should be in the town's time zone).
func NextRef(tx *storage.Tx, now time.Time) (string, error) {
	month := now.Format("0601")
	key := seqPrefix + month
	n := uint64(0)
	if v, ok := tx.Meta(key); ok {
		var err error
		if n, err = strconv.ParseUint(v, 10, 64); err != nil {
			return "", fmt.Errorf("tip sequence %s: %w", month, err)
		}
	}
	n++
	if err := tx.PutMeta(key, strconv.FormatUint(n, 10)); err != nil {
		return "", fmt.Errorf("tip sequence %s: %w", month, err)
	}
	return fmt.Sprintf("T%s-%04d", month, n), nil
}

// PutTip stores a tip.
func PutTip(tx *storage.Tx, t Tip) error {
	return tx.Records(tipsBucket).Put([]byte(t.Ref), t)
}

// LoadTip loads a tip: storage.ErrNotFound when there is none.
func LoadTip(tx *storage.Tx, ref string) (Tip, error) {
	var t Tip
	err := tx.Records(tipsBucket).Get([]byte(ref), &t)
	return t, err
}

// AllTips returns every tip, oldest first (references sort by month and
// number).
func AllTips(tx *storage.Tx) ([]Tip, error) {
	var out []Tip
	err := tx.Records(tipsBucket).Scan(nil, nil, func(k, raw []byte) error {
		var t Tip
		if err := json.Unmarshal(raw, &t); err != nil {
			return &storage.CorruptError{Bucket: tipsBucket, Key: bytes.Clone(k), Err: err}
		}
		out = append(out, t)
		return nil
	})
	return out, err
}
