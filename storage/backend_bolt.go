package storage

import bolt "go.etcd.io/bbolt"

// boltTx adapts a bbolt transaction to kvTx.
type boltTx struct{ tx *bolt.Tx }

func (t boltTx) Bucket(name []byte) kvBucket {
	if b := t.tx.Bucket(name); b != nil {
		return boltBucket{b}
	}
	return nil
}

func (t boltTx) CreateBucketIfNotExists(name []byte) (kvBucket, error) {
	b, err := t.tx.CreateBucketIfNotExists(name)
	if err != nil {
		return nil, err
	}
	return boltBucket{b}, nil
}

func (t boltTx) CreateBucket(name []byte) (kvBucket, error) {
	b, err := t.tx.CreateBucket(name)
	if err != nil {
		return nil, err
	}
	return boltBucket{b}, nil
}

func (t boltTx) DeleteBucket(name []byte) error { return t.tx.DeleteBucket(name) }
func (t boltTx) ForEachBucket(fn func(name []byte, b kvBucket) error) error {
	return t.tx.ForEach(func(name []byte, b *bolt.Bucket) error { return fn(name, boltBucket{b}) })
}
func (t boltTx) OnCommit(fn func()) { t.tx.OnCommit(fn) }
func (t boltTx) Writable() bool     { return t.tx.Writable() }

// boltBucket adapts a bbolt bucket to kvBucket.
type boltBucket struct{ *bolt.Bucket }

func (b boltBucket) Cursor() kvCursor { return b.Bucket.Cursor() }
func (b boltBucket) KeyN() int        { return b.Stats().KeyN }

// wrapBolt runs fn on tx as a kernel transaction.
func wrapBolt(fn func(*Tx) error) func(*bolt.Tx) error {
	return func(tx *bolt.Tx) error { return fn(&Tx{tx: boltTx{tx}}) }
}

// appendOnly tells bbolt that b only grows at its end, so it fills its
// pages (the event log); other backends need no such hint.
func appendOnly(b kvBucket) {
	if bb, ok := b.(boltBucket); ok {
		bb.FillPercent = 0.95
	}
}
