package storage

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// bHazards holds the hazards of the 隐患排查治理 loop: hazard id -> Hazard.
var bHazards = []byte("hazards")

// Event types of the hazard loop (隐患排查治理 “三部曲”). Event.Alert is the
// hazard's id, so AlertEvents lists a hazard's story.
const (
	EvHazardFound     = "hazard_found"     // 发现: recorded by an official
	EvHazardAssigned  = "hazard_assigned"  // 交办: given a deadline and a person at the enterprise
	EvHazardRectified = "hazard_rectified" // 整改: reported fixed, with photos
	EvHazardRechecked = "hazard_rechecked" // 复查通过
	EvHazardSentBack  = "hazard_sent_back" // 复查未通过: back to 交办 with a new deadline
	EvHazardClosed    = "hazard_closed"    // 销号
	EvHazardOverdue   = "hazard_overdue"   // not rectified by its deadline: a 叫应 went out
)

// Hazard states, in the loop's order. A recheck that fails sends a hazard
// from HazardRectified back to HazardAssigned.
const (
	HazardFound     = "found"     // 发现
	HazardAssigned  = "assigned"  // 交办
	HazardRectified = "rectified" // 整改 (reported done, awaiting 复查)
	HazardRechecked = "rechecked" // 复查通过
	HazardClosed    = "closed"    // 销号
)

// HazardStates lists the states in the loop's order.
var HazardStates = []string{HazardFound, HazardAssigned, HazardRectified, HazardRechecked, HazardClosed}

// Hazard levels.
const (
	HazardGeneral = "general" // 一般隐患
	HazardMajor   = "major"   // 重大隐患: 挂牌督办
)

// ActorEnterprise is the actor of a step taken by the enterprise's own
// responsible person (企业单位负责人), who is not an official; the step
// carries their name.
const ActorEnterprise = "enterprise"

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

// HazardStep is one transition of a hazard, kept as its history.
type HazardStep struct {
	State  string    `json:"state"` // the state entered
	At     time.Time `json:"at"`
	By     string    `json:"by"`             // an official id, ActorEnterprise, "api" or "system"
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

	FoundBy     string     `json:"found_by"` // an official id
	FoundAt     time.Time  `json:"found_at"`
	Level       string     `json:"level"` // HazardGeneral or HazardMajor
	Description string     `json:"description"`
	Photos      []string   `json:"photos,omitempty"` // Telegram file ids
	Point       *Point     `json:"point,omitempty"`
	Responsible Contact    `json:"responsible"` // the person at the enterprise who must fix it
	Five        *FiveFixes `json:"five,omitempty"`

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

	History []HazardStep `json:"history"`
}

// NextHazardID numbers a new hazard by the day of now: H20261202-01,
// H20261202-02… (now should be in the town's time zone).
func (t *Tx) NextHazardID(now time.Time) (string, error) {
	day := now.Format("20060102")
	key := []byte("hazard_seq:" + day)
	meta := t.tx.Bucket(bMeta)
	n := uint64(0)
	if v := meta.Get(key); v != nil {
		var err error
		if n, err = strconv.ParseUint(string(v), 10, 64); err != nil {
			return "", fmt.Errorf("hazard sequence %s: %w", day, err)
		}
	}
	n++
	if err := meta.Put(key, []byte(strconv.FormatUint(n, 10))); err != nil {
		return "", err
	}
	return fmt.Sprintf("H%s-%02d", day, n), nil
}

// PutHazard stores a hazard; a closed one enters the index of closed
// hazards the quotas count.
func (t *Tx) PutHazard(h Hazard) error {
	if err := t.put(bHazards, []byte(h.ID), h); err != nil {
		return err
	}
	return indexClosed(t.tx.Bucket(bHazardsClosed), h)
}

// Hazard loads a hazard.
func (t *Tx) Hazard(id string) (Hazard, error) {
	var h Hazard
	err := t.get(bHazards, []byte(id), &h)
	return h, err
}

// Hazards returns every hazard, oldest first (by when it was found, then
// id: a day's hundredth hazard sorts after its ninety-ninth).
func (t *Tx) Hazards() ([]Hazard, error) {
	var out []Hazard
	err := t.tx.Bucket(bHazards).ForEach(func(k, v []byte) error {
		var h Hazard
		if err := decode(v, &h); err != nil {
			return &CorruptError{Bucket: string(bHazards), Key: slices.Clone(k), Err: err}
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
