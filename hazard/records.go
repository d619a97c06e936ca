package hazard

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"dutybot/storage"
)

// bHazards holds the hazards of the 隐患排查治理 loop: hazard id -> Hazard.
// Bucket names and keys are the on-disk schema.
const bHazards = "hazards"

// Event types of the hazard loop (隐患排查治理 “三部曲”). Event.Alert is the
// hazard's id, so AlertEvents lists a hazard's story.
const (
	EvFound     = "hazard_found"     // 发现: recorded by an official
	EvAssigned  = "hazard_assigned"  // 交办: given a deadline and a person at the enterprise
	EvRectified = "hazard_rectified" // 整改: reported fixed, with photos
	EvRechecked = "hazard_rechecked" // 复查通过
	EvSentBack  = "hazard_sent_back" // 复查未通过: back to 交办 with a new deadline
	EvClosed    = "hazard_closed"    // 销号
	EvOverdue   = "hazard_overdue"   // not rectified by its deadline: a 叫应 went out
)

// Hazard states, in the loop's order. A recheck that fails sends a hazard
// from StateRectified back to StateAssigned.
const (
	StateFound     = "found"     // 发现
	StateAssigned  = "assigned"  // 交办
	StateRectified = "rectified" // 整改 (reported done, awaiting 复查)
	StateRechecked = "rechecked" // 复查通过
	StateClosed    = "closed"    // 销号
)

// States lists the states in the loop's order.
var States = []string{StateFound, StateAssigned, StateRectified, StateRechecked, StateClosed}

// Hazard levels.
const (
	LevelGeneral = "general" // 一般隐患
	LevelMajor   = "major"   // 重大隐患: 挂牌督办
)

// FiveFixes are the 五落实 of a 重大隐患 under 挂牌督办: who is responsible,
// the measures, the money, the time limit and the contingency plan. All
// five must be stated before such a hazard is assigned.
type FiveFixes struct {
	Responsibility string `json:"responsibility"` // 责任
	Measures       string `json:"measures"`       // 措施
	Funds          string `json:"funds"`          // 资金
	TimeLimit      string `json:"time_limit"`     // 时限
	Plan           string `json:"plan"`           // 预案
}

// Step is one transition of a hazard, kept as its history.
type Step struct {
	State  string    `json:"state"` // the state entered
	At     time.Time `json:"at"`
	By     string    `json:"by"`             // an official id, storage.ActorEnterprise, "api" or "system"
	Name   string    `json:"name,omitempty"` // who, when By is not an official
	Note   string    `json:"note,omitempty"`
	Photos []string  `json:"photos,omitempty"` // Telegram file ids
	Due    time.Time `json:"due,omitzero"`     // the deadline set by a 交办 or a send-back
}

// Hazard is one hazard found at an enterprise, from 发现 to 销号. The
// enterprise is referred to by its 统一社会信用代码 with its name as it was
// when the hazard was found, so the record reads alone; so are the 属地
// unit and the officials on its plaque.
type Hazard struct {
	ID             string `json:"id"`         // H20261202-01
	Enterprise     string `json:"enterprise"` // 统一社会信用代码
	EnterpriseName string `json:"enterprise_name"`
	Unit           string `json:"unit,omitempty"`          // 属地 unit
	Supervisor     string `json:"supervisor,omitempty"`    // 行业部门监管负责人, an official id
	Administrator  string `json:"administrator,omitempty"` // 行政负责人, an official id

	FoundBy     string          `json:"found_by"` // an official id
	FoundAt     time.Time       `json:"found_at"`
	Level       string          `json:"level"` // LevelGeneral or LevelMajor
	Description string          `json:"description"`
	Photos      []string        `json:"photos,omitempty"` // Telegram file ids
	Point       *storage.Point  `json:"point,omitempty"`
	Responsible storage.Contact `json:"responsible"` // the person at the enterprise who must fix it
	Five        *FiveFixes      `json:"five,omitempty"`

	State    string    `json:"state"`
	Deadline time.Time `json:"deadline,omitzero"` // 整改期限 of the current 交办
	// Round counts the 交办: 1 for the first, 2 after one send-back… so
	// each round's overdue 叫应 is its own.
	Round   int  `json:"round,omitempty"`
	Overdue bool `json:"overdue,omitempty"` // the current round passed its deadline unrectified

	// The latest rectification and recheck; a send-back clears them (the
	// history keeps them).
	RectifiedBy   string    `json:"rectified_by,omitempty"`
	RectifiedName string    `json:"rectified_name,omitempty"`
	RectifiedAt   time.Time `json:"rectified_at,omitzero"`
	RecheckedBy   string    `json:"rechecked_by,omitempty"`
	RecheckedAt   time.Time `json:"rechecked_at,omitzero"`
	ClosedBy      string    `json:"closed_by,omitempty"`
	ClosedAt      time.Time `json:"closed_at,omitzero"`

	History []Step `json:"history"`
}

// NextID numbers a new hazard by the day of now: H20261202-01,
// H20261202-02… (now should be in the town's time zone). The day's count
// is kept in meta ("hazard_seq:<day>"), where files already hold it.
func NextID(tx *storage.Tx, now time.Time) (string, error) {
	day := now.Format("20060102")
	key := "hazard_seq:" + day
	n := uint64(0)
	if v, ok := tx.Meta(key); ok {
		var err error
		if n, err = strconv.ParseUint(v, 10, 64); err != nil {
			return "", fmt.Errorf("hazard sequence %s: %w", day, err)
		}
	}
	n++
	if err := tx.PutMeta(key, strconv.FormatUint(n, 10)); err != nil {
		return "", fmt.Errorf("hazard sequence %s: %w", day, err)
	}
	return fmt.Sprintf("H%s-%02d", day, n), nil
}

// Put stores a hazard; a closed one enters the index of closed hazards
// the quotas count.
func Put(tx *storage.Tx, h Hazard) error {
	if err := tx.Records(bHazards).Put([]byte(h.ID), h); err != nil {
		return err
	}
	return indexClosed(tx.Records(bHazardsClosed), h)
}

// Load returns a hazard: storage.ErrNotFound when there is none.
func Load(tx *storage.Tx, id string) (Hazard, error) {
	var h Hazard
	err := tx.Records(bHazards).Get([]byte(id), &h)
	return h, err
}

// All returns every hazard, oldest first (by when it was found, then id:
// a day's hundredth hazard sorts after its ninety-ninth).
func All(tx *storage.Tx) ([]Hazard, error) {
	var out []Hazard
	err := tx.Records(bHazards).Scan(nil, nil, func(k, v []byte) error {
		var h Hazard
		if err := json.Unmarshal(v, &h); err != nil {
			return &storage.CorruptError{Bucket: bHazards, Key: slices.Clone(k), Err: err}
		}
		out = append(out, h)
		return nil
	})
	slices.SortStableFunc(out, func(a, b Hazard) int {
		if c := a.FoundAt.Compare(b.FoundAt); c != 0 {
			return c
		}
		if c := len(a.ID) - len(b.ID); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, err
}
