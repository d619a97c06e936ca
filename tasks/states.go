package tasks

import (
	"errors"
	"time"

	"dutybot/storage"
)

// states is the bucket of what has been reported against each duty
// instance: instance id -> State.
const states = "task_states"

// State is what has been reported against one duty instance.
type State struct {
	Instance string    `json:"instance"` // duty.Instance.ID()
	Progress int       `json:"progress"` // reports (or counted items, for quotas)
	Done     bool      `json:"done"`
	DoneAt   time.Time `json:"done_at,omitempty"`
	DoneBy   string    `json:"done_by,omitempty"`
	Notes    []string  `json:"notes,omitempty"`
	Photos   []string  `json:"photos,omitempty"` // Telegram file ids
}

// loadState loads the state of an instance; a missing one is open with no
// progress.
func loadState(tx *storage.Tx, instance string) (State, error) {
	var s State
	err := tx.Records(states).Get([]byte(instance), &s)
	if errors.Is(err, storage.ErrNotFound) {
		return State{Instance: instance}, nil
	}
	return s, err
}

// putState stores the state of an instance.
func putState(tx *storage.Tx, s State) error { return tx.Records(states).Put([]byte(s.Instance), s) }
