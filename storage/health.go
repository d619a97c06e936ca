package storage

// OldestJob returns the job waiting longest in the outgoing queue (the
// lowest sequence number), so a health check can tell how long it has
// waited without decoding the whole queue. ok is false for an empty queue;
// err is a CorruptError when that job does not decode.
func (t *Tx) OldestJob() (j Job, ok bool, err error) {
	k, _ := t.tx.Bucket(bOutbox).Cursor().First()
	if k == nil {
		return Job{}, false, nil
	}
	err = t.get(bOutbox, k, &j)
	return j, true, err
}
