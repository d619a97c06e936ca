package storage

import "fmt"

// PutRaw writes value as it is at bucket/key, bypassing encoding: for tools
// and tests that need a record the typed accessors would never write (an
// undecodable one, to check that it is moved aside rather than stopping
// everything).
func (t *Tx) PutRaw(bucket string, key, value []byte) error {
	b := t.tx.Bucket([]byte(bucket))
	if b == nil {
		return fmt.Errorf("put raw %s/%q: no such bucket", bucket, key)
	}
	return b.Put(key, value)
}
