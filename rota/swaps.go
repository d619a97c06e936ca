package rota

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"dutybot/callout"
	"dutybot/storage"
)

// swapsBucket holds the swaps: swap id (a decimal number) -> Swap. Its
// sequence numbers them.
const swapsBucket = "swaps"

// Swap states: a request goes to the colleague, who accepts or declines;
// an accepted swap goes to the approver, who approves or rejects. A swap
// still open when its shift starts (or changes) expires.
const (
	SwapRequested = "requested"
	SwapAccepted  = "accepted"
	SwapDeclined  = "declined"
	SwapApproved  = "approved"
	SwapRejected  = "rejected"
	SwapExpired   = "expired"
)

// Swap is a request to hand one's place on a shift to a colleague (换班).
type Swap struct {
	ID    string `json:"id"`
	Shift string `json:"shift"`
	// ShiftStart is the start of the shift when asked: a shift that moved
	// since is not the one the colleague agreed to.
	ShiftStart time.Time `json:"shift_start"`
	Requester  string    `json:"requester"`
	Colleague  string    `json:"colleague"`
	// Leader is true when the requester is the shift's 带班领导.
	Leader bool `json:"leader,omitempty"`
	// Approvers may approve once the colleague accepted.
	Approvers  []string             `json:"approvers"`
	State      string               `json:"state"`
	CreatedAt  time.Time            `json:"created_at"`
	AnsweredAt time.Time            `json:"answered_at,omitempty"`
	DecidedAt  time.Time            `json:"decided_at,omitempty"`
	DecidedBy  string               `json:"decided_by,omitempty"`
	Reason     string               `json:"reason,omitempty"` // why it expired
	Messages   []callout.MessageRef `json:"messages,omitempty"`
}

// Open reports whether the swap still waits for an answer or a decision.
func (s Swap) Open() bool { return s.State == SwapRequested || s.State == SwapAccepted }

// NextSwapID returns a new swap id: a number counting from 1.
func NextSwapID(tx *storage.Tx) (string, error) {
	seq, err := tx.Records(swapsBucket).NextSequence()
	if err != nil {
		return "", fmt.Errorf("next swap id: %w", err)
	}
	return strconv.FormatUint(seq, 10), nil
}

// PutSwap stores a swap.
func PutSwap(tx *storage.Tx, s Swap) error {
	if s.ID == "" {
		return fmt.Errorf("put swap: empty id")
	}
	if err := tx.Records(swapsBucket).Put([]byte(s.ID), s); err != nil {
		return fmt.Errorf("put swap %s: %w", s.ID, err)
	}
	return nil
}

// LoadSwap loads a swap by id.
func LoadSwap(tx *storage.Tx, id string) (Swap, error) {
	var s Swap
	err := tx.Records(swapsBucket).Get([]byte(id), &s)
	return s, err
}

// OpenSwaps returns the swaps still waiting for an answer or a decision,
// of one shift or (shift "") of all.
func OpenSwaps(tx *storage.Tx, shift string) ([]Swap, error) {
	var out []Swap
	err := tx.Records(swapsBucket).Scan(nil, nil, func(k, v []byte) error {
		var s Swap
		if err := json.Unmarshal(v, &s); err != nil {
			return fmt.Errorf("decode swap %s: %w", k, err)
		}
		if s.Open() && (shift == "" || s.Shift == shift) {
			out = append(out, s)
		}
		return nil
	})
	return out, err
}
