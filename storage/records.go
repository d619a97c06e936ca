package storage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// Records is one of a feature's buckets in the shared transaction: the
// feature names it, decides its keys and encodes its records (JSON), while
// the kernel keeps it in the same transaction as the events, messages and
// deadlines the change implies, on either backend. A bucket is made on the
// first write to it; until then it reads as empty.
type Records struct {
	t    *Tx
	name []byte
}

// Records returns the feature bucket name. Names are part of the on-disk
// schema: a feature never renames one without moving what it holds.
func (t *Tx) Records(name string) *Records { return &Records{t: t, name: []byte(name)} }

// ErrReadOnly is returned by a write in a read-only transaction.
var ErrReadOnly = errors.New("write in a read-only transaction")

func (r *Records) bucket() kvBucket { return r.t.tx.Bucket(r.name) }

func (r *Records) writable() (kvBucket, error) {
	if !r.t.tx.Writable() {
		return nil, ErrReadOnly
	}
	if b := r.bucket(); b != nil {
		return b, nil
	}
	b, err := r.t.tx.CreateBucketIfNotExists(r.name)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", r.name, err)
	}
	return b, nil
}

// Get decodes the record at key into v: ErrNotFound when there is none, a
// CorruptError when it does not decode.
func (r *Records) Get(key []byte, v any) error {
	b := r.bucket()
	if b == nil {
		return ErrNotFound
	}
	data := b.Get(key)
	if data == nil {
		return ErrNotFound
	}
	if err := json.Unmarshal(data, v); err != nil {
		return &CorruptError{Bucket: string(r.name), Key: slices.Clone(key), Err: err}
	}
	return nil
}

// Has reports whether a record is stored at key.
func (r *Records) Has(key []byte) bool {
	b := r.bucket()
	return b != nil && b.Get(key) != nil
}

// Put stores v, encoded, at key.
func (r *Records) Put(key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s/%s: %w", r.name, key, err)
	}
	return r.PutRaw(key, data)
}

// GetRaw returns the stored bytes at key, or nil; they are valid only in
// the transaction.
func (r *Records) GetRaw(key []byte) []byte {
	if b := r.bucket(); b != nil {
		return b.Get(key)
	}
	return nil
}

// PutRaw stores value as it is, for records that are not JSON (a counter,
// a time).
func (r *Records) PutRaw(key, value []byte) error {
	b, err := r.writable()
	if err != nil {
		return err
	}
	return b.Put(key, value)
}

// Delete removes the record at key, if any.
func (r *Records) Delete(key []byte) error {
	if !r.t.tx.Writable() {
		return ErrReadOnly
	}
	b := r.bucket()
	if b == nil {
		return nil
	}
	return b.Delete(key)
}

// Scan calls fn with every key that starts with prefix and its stored
// bytes, in key order, from the first key at or after from (nil: the
// first with the prefix). fn must not write to the bucket; an error it
// returns ends the scan with that error.
func (r *Records) Scan(prefix, from []byte, fn func(k, raw []byte) error) error {
	b := r.bucket()
	if b == nil {
		return nil
	}
	start := prefix
	if bytes.Compare(from, prefix) > 0 {
		start = from
	}
	c := b.Cursor()
	for k, v := c.Seek(start); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return nil
}

// Len counts the records.
func (r *Records) Len() int {
	if b := r.bucket(); b != nil {
		return count(b)
	}
	return 0
}

// NextSequence numbers what is appended to the bucket: 1, 2, …
func (r *Records) NextSequence() (uint64, error) {
	b, err := r.writable()
	if err != nil {
		return 0, err
	}
	return b.NextSequence()
}

// Appending tells the backend that the keys this transaction puts go on
// the end of the bucket (an alert's recipients, keyed by a new alert's
// id), so it fills its pages instead of leaving them half empty for
// inserts in between: less to write when an alert names 100,000 people.
func (r *Records) Appending() {
	if b := r.bucket(); b != nil {
		appendOnly(b)
	}
}
