// Package storage keeps dutybot's durable state in a bbolt file or
// PostgreSQL: the kernel's bindings, outgoing queue, deadlines and
// append-only event log, and each feature's records (Records), such as the
// 叫应 alerts package callout keeps. Every state change happens in one
// transaction with the events and queue entries it implies, so a crash
// never leaves a half-done step behind.
package storage

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	bolt "go.etcd.io/bbolt"
)

// SchemaVersion is the layout version this code reads and writes. Version
// 2 chains the event log (chain.go); Open upgrades version 1 files.
// Version 3 events may carry typed details (Event.Code, Args), which a
// binary of version 2 would not hash and so would report as changed: it
// refuses the file instead. Version 2 files need nothing to become 3.
const SchemaVersion = 3

// Bucket names; part of the on-disk schema.
var (
	bMeta       = []byte("meta")
	bBindings   = []byte("bindings") // official id -> Binding
	bChats      = []byte("chats")    // chat id (decimal) -> official id
	bOutbox     = []byte("outbox")   // seq (8 bytes BE) -> Job
	bOutboxKeys = []byte("outbox_keys")
	bDeadlines  = []byte("deadlines") // unix nanos (8 bytes BE) + key -> payload
	bEvents     = []byte("events")    // seq (8 bytes BE) -> Event
	bAlertEv    = []byte("alert_events")
	bViews      = []byte("views")      // view scope \x00 official id -> View
	bQuarantine = []byte("quarantine") // seq (8 bytes BE) -> Quarantined: records moved aside
	allBuckets  = [][]byte{bMeta, bBindings, bChats, bOutbox, bOutboxKeys, bDeadlines,
		bEvents, bAlertEv, bViews,
		bQuarantine,
		bInbox, bConversations,
		bGroupChats, bGroups, bOutboxSent}
	keyVersion = []byte("schema_version")
)

// ErrLocked is returned, wrapped, by Open when another process holds the
// database: the running bot, for the command-line tools.
var ErrLocked = errors.New("locked by another process")

// ErrNotFound is returned when a record does not exist.
var ErrNotFound = errors.New("not found")

// DB is an open dutybot database: a bbolt file, or a PostgreSQL database
// (OpenPostgres).
type DB struct {
	bolt    *bolt.DB   // nil on PostgreSQL
	pg      *pgBackend // nil on bbolt
	path    string
	created bool // a new database was started in the file (Created)
}

// Open opens or creates the database at path, creating its directory, and
// checks the schema version. It fails fast when another process holds it,
// and refuses a damaged file (ErrDamaged) or an existing empty one
// (ErrEmptyFile; see OpenWith) with a message that tells how to restore.
func Open(path string) (*DB, error) { return OpenWith(path, Options{}) }

func (db *DB) init() error {
	return db.bolt.Update(func(tx *bolt.Tx) error { return initKV(boltTx{tx}) })
}

// initKV creates the buckets a new database needs and brings an older one
// up to SchemaVersion, on either backend.
func initKV(tx kvTx) error {
	for _, name := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	if _, err := dropLegacyConversations(tx); err != nil {
		return err
	}
	meta := tx.Bucket(bMeta)
	v := meta.Get(keyVersion)
	switch {
	case v == nil:
		return meta.Put(keyVersion, u64(SchemaVersion))
	case binary.BigEndian.Uint64(v) > SchemaVersion:
		return fmt.Errorf("schema version %d is newer than this binary understands (%d)", binary.BigEndian.Uint64(v), SchemaVersion)
	case binary.BigEndian.Uint64(v) < SchemaVersion:
		return upgrade(tx, binary.BigEndian.Uint64(v))
	}
	return nil
}

// Path returns the file the database lives in.
func (db *DB) Path() string { return db.path }

// Close closes the file or the connections.
func (db *DB) Close() error {
	if db.pg != nil {
		return db.pg.close()
	}
	return db.bolt.Close()
}

// Update runs fn in a read-write transaction. While this process runs the
// engine of a shared database, the write is fenced (SetFence).
func (db *DB) Update(fn func(*Tx) error) error { return db.update(fn, true) }

func (db *DB) update(fn func(*Tx) error, fenced bool) error {
	if db.pg != nil {
		return db.pg.update(fn, fenced)
	}
	return db.bolt.Update(wrapBolt(fn))
}

// Batch runs fn in a read-write transaction shared with concurrent callers,
// so many small writes (acknowledgements) share one disk sync. fn may run
// more than once and must be idempotent.
func (db *DB) Batch(fn func(*Tx) error) error {
	if db.pg != nil {
		return db.pg.batch(fn)
	}
	return db.bolt.Batch(wrapBolt(fn))
}

// View runs fn in a read-only transaction.
func (db *DB) View(fn func(*Tx) error) error {
	if db.pg != nil {
		return db.pg.view(fn)
	}
	return db.bolt.View(wrapBolt(fn))
}

// WriteTo writes a consistent copy of the database to w: a bbolt file,
// whichever the backend (on PostgreSQL, the copy holds every bucket as a
// bbolt file would, so the ledger tools read it as they read a backup of
// a township's file).
func (db *DB) WriteTo(w io.Writer) (int64, error) {
	if db.pg != nil {
		return db.pg.writeTo(w)
	}
	var n int64
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}

// Tx is a transaction with typed accessors.
type Tx struct {
	tx kvTx
}

// OnCommit runs fn after the transaction commits, never if it rolls back:
// for counting and logging what a transaction did only once it is true.
func (t *Tx) OnCommit(fn func()) { t.tx.OnCommit(fn) }

func u64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

func (t *Tx) put(bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s/%s: %w", bucket, key, err)
	}
	return t.tx.Bucket(bucket).Put(key, data)
}

func decode(data []byte, v any) error { return json.Unmarshal(data, v) }

func (t *Tx) get(bucket, key []byte, v any) error {
	data := t.tx.Bucket(bucket).Get(key)
	if data == nil {
		return ErrNotFound
	}
	if err := json.Unmarshal(data, v); err != nil {
		return &CorruptError{Bucket: string(bucket), Key: append([]byte(nil), key...), Err: err}
	}
	return nil
}

// count counts a bucket's keys, including the transaction's own writes.
func count(b kvBucket) int {
	n := 0
	c := b.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		n++
	}
	return n
}

// Meta returns a value of the meta bucket.
func (t *Tx) Meta(key string) (string, bool) {
	v := t.tx.Bucket(bMeta).Get([]byte(key))
	return string(v), v != nil
}

// PutMeta stores a value in the meta bucket.
func (t *Tx) PutMeta(key, value string) error {
	return t.tx.Bucket(bMeta).Put([]byte(key), []byte(value))
}
