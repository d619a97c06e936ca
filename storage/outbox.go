package storage

import (
	"encoding/binary"
	"time"
)

// Job operations.
const (
	OpSend = "send"
	OpEdit = "edit"
	// OpPhoto sends Photo as an image with Text as its caption (at most
	// 1,024 characters).
	OpPhoto = "photo"
	// OpDocument sends File as a document named FileName with Text as its
	// caption (the 履职档案 workbook).
	OpDocument = "document"
)

// Button is an inline button: a label and the data sent back when pressed.
type Button struct {
	Text string `json:"text"`
	Data string `json:"data"`
}

// Reply is a reply keyboard: a one-tap "share my phone number" button, or
// the removal of such a keyboard.
type Reply struct {
	ContactLabel string `json:"contact_label,omitempty"`
	Remove       bool   `json:"remove,omitempty"`
}

// Ref says what a queued message is about, so its delivery can be recorded
// against the right alert, recipient or notice.
type Ref struct {
	Kind     string `json:"kind"` // call, remind, notice, summary, info
	Alert    string `json:"alert,omitempty"`
	Official string `json:"official,omitempty"` // the recipient (call, remind) or the person told
	Target   string `json:"target,omitempty"`   // notice target
	// Topic names what an informational message is for ("agenda", "brief",
	// "witness", …), so the noise each feature makes can be counted.
	Topic string `json:"topic,omitempty"`
}

// Job is one message waiting in the outgoing queue.
type Job struct {
	Seq       uint64     `json:"seq"`
	Key       string     `json:"key,omitempty"` // later jobs with the same key replace the content
	Version   int        `json:"version"`
	ChatID    int64      `json:"chat_id"`
	Op        string     `json:"op"`
	MessageID int        `json:"message_id,omitempty"` // for edits
	Text      string     `json:"text"`
	Buttons   [][]Button `json:"buttons,omitempty"`
	Reply     *Reply     `json:"reply,omitempty"` // a reply keyboard instead of inline buttons
	// ReplyTo, for a send, is a message in the same chat it answers (a
	// reminder under a group's 叫应); sent anyway if that one is gone.
	ReplyTo int    `json:"reply_to,omitempty"`
	Photo   []byte `json:"photo,omitempty"` // the image of an OpPhoto job (PNG)
	// FileID, for an OpPhoto job without Photo, is a photo Telegram already
	// has (one sent to the bot), sent again by its id.
	FileID string `json:"file_id,omitempty"`
	// File and FileName are the document of an OpDocument job.
	File     []byte `json:"file,omitempty"`
	FileName string `json:"file_name,omitempty"`
	// Lazy jobs are rendered from current state just before sending, so a
	// burst of changes costs one rendering per message actually sent.
	Lazy      bool      `json:"lazy,omitempty"`
	Ref       Ref       `json:"ref"`
	CreatedAt time.Time `json:"created_at"`
	// Priority orders the queue: a job with a higher one is sent first
	// (叫应 calls and escalation notices by alert level), equal ones in
	// Seq order; 0 for everything else.
	Priority int `json:"priority,omitempty"`
	// StallAfter, if set, is how long the job may stay undelivered while
	// the chat service refuses it (5xx, timeouts) before the dispatcher
	// reports it stalled, so a call nobody received escalates before the
	// dispatcher gives up on it.
	StallAfter time.Duration `json:"stall_after,omitempty"`
	// Stalled records that the job was reported stalled, so it is reported
	// once.
	Stalled bool `json:"stalled,omitempty"`
	// Paid asks for Telegram's paid broadcast (allow_paid_broadcast, 0.1
	// Star): a first call the configuration chose (delivery.paid_broadcast).
	// The dispatcher sends it at the paid pace, or clears it on the way
	// out while paid sending is off; Delivered sees it set only when the
	// message went out paid.
	Paid bool `json:"paid,omitempty"`
}

// Enqueue adds j to the outgoing queue and returns its sequence number. When
// j.Key names a job still waiting, that job keeps its place and takes j's
// text and buttons instead, so only the latest content of a message is sent.
func (t *Tx) Enqueue(j Job) (uint64, error) {
	keys := t.tx.Bucket(bOutboxKeys)
	if j.Key != "" {
		if v := keys.Get([]byte(j.Key)); v != nil {
			seq := binary.BigEndian.Uint64(v)
			old, err := t.Job(seq)
			if err == nil {
				old.Text, old.Buttons, old.Reply, old.Ref, old.Lazy, old.Photo = j.Text, j.Buttons, j.Reply, j.Ref, j.Lazy, j.Photo
				old.FileID, old.File, old.FileName, old.ReplyTo = j.FileID, j.File, j.FileName, j.ReplyTo
				old.Priority = max(old.Priority, j.Priority)
				old.Version++
				return seq, t.PutJob(old)
			}
		}
	}
	b := t.tx.Bucket(bOutbox)
	// New jobs go on the end: full pages, half the writing when an alert
	// queues 100,000 calls at once.
	appendOnly(b)
	seq, err := b.NextSequence()
	if err != nil {
		return 0, err
	}
	j.Seq = seq
	if j.Key != "" {
		if err := keys.Put([]byte(j.Key), u64(seq)); err != nil {
			return 0, err
		}
	}
	return seq, t.PutJob(j)
}

// PutJob rewrites a queued job.
func (t *Tx) PutJob(j Job) error { return t.put(bOutbox, u64(j.Seq), j) }

// Job loads a queued job.
func (t *Tx) Job(seq uint64) (Job, error) {
	var j Job
	err := t.get(bOutbox, u64(seq), &j)
	return j, err
}

// DeleteJob removes a job, its key and its sent marker.
func (t *Tx) DeleteJob(j Job) error {
	if err := t.ClearSent(j.Seq); err != nil {
		return err
	}
	if j.Key != "" {
		keys := t.tx.Bucket(bOutboxKeys)
		if v := keys.Get([]byte(j.Key)); v != nil && binary.BigEndian.Uint64(v) == j.Seq {
			if err := keys.Delete([]byte(j.Key)); err != nil {
				return err
			}
		}
	}
	return t.tx.Bucket(bOutbox).Delete(u64(j.Seq))
}

// Jobs lists the queue in order.
func (t *Tx) Jobs() ([]Job, error) {
	var out []Job
	err := t.tx.Bucket(bOutbox).ForEach(func(k, _ []byte) error {
		var j Job
		if err := t.get(bOutbox, k, &j); err != nil {
			return err
		}
		out = append(out, j)
		return nil
	})
	return out, err
}

// QueueLen returns the number of waiting jobs.
func (t *Tx) QueueLen() int { return count(t.tx.Bucket(bOutbox)) }

// JobsAfter lists the jobs with Seq > after, in order. At a job that does
// not decode it stops and returns the jobs before it with a *CorruptError
// naming the bad one, so the caller can move it aside and go on.
func (t *Tx) JobsAfter(after uint64) ([]Job, error) {
	var out []Job
	c := t.tx.Bucket(bOutbox).Cursor()
	for k, _ := c.Seek(u64(after + 1)); k != nil; k, _ = c.Next() {
		var j Job
		if err := t.get(bOutbox, k, &j); err != nil {
			return out, err
		}
		out = append(out, j)
	}
	return out, nil
}

// Kinds of queued messages (Ref.Kind).
const (
	RefCall    = "call"    // the first call of an alert to a recipient
	RefRemind  = "remind"  // a repeated call
	RefNotice  = "notice"  // an escalation notice to someone up the chain
	RefSummary = "summary" // the issuer's live summary
	RefUpdate  = "update"  // an edit marking a message answered or closed
	RefInfo    = "info"    // anything else worth telling
)
