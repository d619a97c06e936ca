package weather

import (
	"encoding/json"
	"fmt"
	"time"

	"dutybot/storage"
)

// checklistBucket holds the 熔断 checklists: warning id \x00 item number
// (6 decimal digits) -> ChecklistItem.
const checklistBucket = "checklist"

// Checklist item states.
const (
	ItemOpen = "open"
	ItemDone = "done"
)

// ChecklistItem is one 禁停撤疏 action a unit must carry out and confirm
// under a warning's 熔断: a configured checklist item expanded for each
// responsible unit.
type ChecklistItem struct {
	Warning string `json:"warning"`
	// No numbers the items of a warning from 1; it travels in button data.
	No     int    `json:"no"`
	Unit   string `json:"unit"`
	Action string `json:"action"` // forbid, stop, evacuate, disperse
	Text   string `json:"text"`
	Count  bool   `json:"count,omitempty"` // the confirmation carries a number
	State  string `json:"state"`
	// Value is the number confirmed (people evacuated, sites stopped) when
	// Count is set.
	Value int       `json:"value,omitempty"`
	Note  string    `json:"note,omitempty"`
	By    string    `json:"by,omitempty"` // official who confirmed
	At    time.Time `json:"at,omitempty"`
}

// Done reports whether the item was confirmed.
func (c ChecklistItem) Done() bool { return c.State == ItemDone }

func itemKey(warning string, no int) []byte {
	return []byte(fmt.Sprintf("%s\x00%06d", warning, no))
}

// PutChecklistItem stores an item of a warning's checklist.
func PutChecklistItem(tx *storage.Tx, c ChecklistItem) error {
	if c.No <= 0 || c.No > 999999 {
		return fmt.Errorf("checklist item %s/%d: number out of range", c.Warning, c.No)
	}
	if err := tx.Records(checklistBucket).Put(itemKey(c.Warning, c.No), c); err != nil {
		return fmt.Errorf("put checklist item %s/%d: %w", c.Warning, c.No, err)
	}
	return nil
}

// LoadChecklistItem loads one item of a warning's checklist.
func LoadChecklistItem(tx *storage.Tx, warning string, no int) (ChecklistItem, error) {
	var c ChecklistItem
	if no <= 0 || no > 999999 {
		return c, storage.ErrNotFound
	}
	err := tx.Records(checklistBucket).Get(itemKey(warning, no), &c)
	return c, err
}

// Checklist returns the items of a warning in number order.
func Checklist(tx *storage.Tx, warning string) ([]ChecklistItem, error) {
	var out []ChecklistItem
	err := tx.Records(checklistBucket).Scan([]byte(warning+"\x00"), nil, func(k, v []byte) error {
		var it ChecklistItem
		if err := json.Unmarshal(v, &it); err != nil {
			return fmt.Errorf("decode checklist item %q: %w", k, err)
		}
		out = append(out, it)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
