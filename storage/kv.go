package storage

// The kernel's view of a backend: named buckets of byte keys in order, read
// and written in transactions. The typed accessors (Tx's methods) are
// written against these interfaces only, so the same code runs on the
// embedded bbolt file and on PostgreSQL (backend_bolt.go, backend_pg.go).

// kvTx is one transaction of a backend.
type kvTx interface {
	// Bucket returns the named bucket, or nil when it does not exist.
	Bucket(name []byte) kvBucket
	CreateBucketIfNotExists(name []byte) (kvBucket, error)
	CreateBucket(name []byte) (kvBucket, error)
	DeleteBucket(name []byte) error
	// ForEachBucket calls fn for every bucket, by name.
	ForEachBucket(fn func(name []byte, b kvBucket) error) error
	// OnCommit runs fn after the transaction commits, never if it rolls
	// back.
	OnCommit(fn func())
	Writable() bool
}

// kvBucket is a bucket: keys in byte order, each with a value, and a
// sequence for numbering what is appended to it.
type kvBucket interface {
	// Get returns the value at k, or nil. The slice is valid only for the
	// transaction.
	Get(k []byte) []byte
	Put(k, v []byte) error
	Delete(k []byte) error
	Cursor() kvCursor
	// ForEach calls fn for every key in order; fn must not write to the
	// bucket.
	ForEach(fn func(k, v []byte) error) error
	NextSequence() (uint64, error)
	Sequence() uint64
	SetSequence(v uint64) error
	// KeyN counts the keys.
	KeyN() int
}

// kvCursor walks a bucket in key order. A nil key means the walk is past
// either end.
type kvCursor interface {
	First() (k, v []byte)
	Last() (k, v []byte)
	Next() (k, v []byte)
	Prev() (k, v []byte)
	Seek(seek []byte) (k, v []byte)
	// Delete removes the key the cursor is on.
	Delete() error
}
