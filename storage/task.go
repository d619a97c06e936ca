package storage

import (
	"errors"
	"time"
)

// TaskState is what has been reported against one duty instance.
type TaskState struct {
	Instance string    `json:"instance"` // duty.Instance.ID()
	Progress int       `json:"progress"` // reports (or counted items, for quotas)
	Done     bool      `json:"done"`
	DoneAt   time.Time `json:"done_at,omitempty"`
	DoneBy   string    `json:"done_by,omitempty"`
	Notes    []string  `json:"notes,omitempty"`
	Photos   []string  `json:"photos,omitempty"` // Telegram file ids
}

// TaskState loads the state of an instance; a missing one is open with no
// progress.
func (t *Tx) TaskState(instance string) (TaskState, error) {
	var s TaskState
	err := t.get(bTasks, []byte(instance), &s)
	if errors.Is(err, ErrNotFound) {
		return TaskState{Instance: instance}, nil
	}
	return s, err
}

// PutTaskState stores the state of an instance.
func (t *Tx) PutTaskState(s TaskState) error { return t.put(bTasks, []byte(s.Instance), s) }
