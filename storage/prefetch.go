package storage

// kvPrefetcher is implemented by backends where reading a key costs a
// round trip to a server (PostgreSQL): Prefetch reads many keys of a
// bucket at once into the transaction, which then answers reads of them
// without asking again.
type kvPrefetcher interface {
	Prefetch(bucket string, keys [][]byte) error
}

// Prefetch reads the keys of a bucket ahead, in one round trip on a
// backend where each read costs one (PostgreSQL), so that a transaction
// recording many deliveries does not wait for them one by one. On bbolt,
// whose reads are memory, it does nothing.
func (t *Tx) Prefetch(bucket string, keys [][]byte) error {
	p, ok := t.tx.(kvPrefetcher)
	if !ok || len(keys) == 0 {
		return nil
	}
	return p.Prefetch(bucket, keys)
}

// PrefetchJobs reads queued jobs and their sent markers ahead (Prefetch).
func (t *Tx) PrefetchJobs(seqs []uint64) error {
	keys := make([][]byte, len(seqs))
	for i, s := range seqs {
		keys[i] = u64(s)
	}
	if err := t.Prefetch(string(bOutbox), keys); err != nil {
		return err
	}
	return t.Prefetch(string(bOutboxSent), keys)
}

// Prefetch reads records ahead (Tx.Prefetch).
func (r *Records) Prefetch(keys [][]byte) error { return r.t.Prefetch(string(r.name), keys) }
