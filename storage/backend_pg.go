package storage

// The PostgreSQL backend: the same buckets of ordered keys as the bbolt
// file, as rows of one table, so every typed accessor runs unchanged and
// every state change still commits in one transaction. Writers take one
// transaction-scoped advisory lock, which gives PostgreSQL bbolt's model of
// one writer at a time across every process sharing the database: a write
// reads what every earlier write committed and nothing of a later one.
// Readers take a snapshot (repeatable read) and never wait.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	bolt "go.etcd.io/bbolt"
)

// WriteLockKey is the advisory lock every write transaction holds, which
// makes writers take turns as bbolt's do: pg_locks shows who holds it.
const WriteLockKey int64 = 0x6475747962 // "dutyb"

// ErrFenced is returned, wrapped, by a write of an engine that has lost its
// lease: another instance took over, so this one must not record
// anything more (see SetFence).
var ErrFenced = errors.New("fenced: another instance holds the engine lease")

// pgBackend is an open PostgreSQL database.
type pgBackend struct {
	pool      *pgxpool.Pool
	id        string        // this process, in NOTIFY payloads
	txTimeout time.Duration // bounds every transaction
	begin     string        // what a write transaction runs first: its idle limit, the write lock
	fence     atomic.Uint64 // the engine lease's epoch while this instance leads; 0: no check
	known     sync.Map      // bucket name -> struct{}: buckets known to exist

	batchMu sync.Mutex
	batchQ  []batchCall
	batchT  *time.Timer
}

type batchCall struct {
	fn   func(*Tx) error
	done chan error
}

// pageFirst and pageMax bound how many rows a cursor reads ahead: few for
// the first look (most walks stop early), more as a walk goes on.
const (
	pageFirst = 16
	pageMax   = 512
)

func (p *pgBackend) close() error {
	p.pool.Close()
	return nil
}

func (p *pgBackend) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), p.txTimeout)
}

// update runs fn in a write transaction under the write lock; with fenced
// and a fence set, it first checks that this instance still holds the
// engine lease.
func (p *pgBackend) update(fn func(*Tx) error, fenced bool) error {
	ctx, cancel := p.ctx()
	defer cancel()
	tx, err := p.pool.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return fmt.Errorf("postgres: begin: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // after Commit it does nothing
	if _, err := tx.Exec(ctx, p.begin, pgx.QueryExecModeSimpleProtocol); err != nil {
		return fmt.Errorf("postgres: take the write lock: %w", err)
	}
	if epoch := p.fence.Load(); fenced && epoch != 0 {
		// A statement of its own, after the lock: its snapshot holds every
		// takeover committed before this transaction got the lock.
		var cur int64
		err := tx.QueryRow(ctx, "SELECT epoch FROM dutybot_lease WHERE name = 'engine'").Scan(&cur)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("postgres: check the engine lease: %w", err)
		}
		if uint64(cur) != epoch {
			return fmt.Errorf("%w (lease #%d, this instance held #%d)", ErrFenced, cur, epoch)
		}
	}
	t := &pgTx{p: p, ctx: ctx, tx: tx, writable: true}
	err = fn(&Tx{tx: t})
	if t.err != nil {
		return t.err
	}
	if err != nil {
		return err
	}
	t.flush("")
	if t.err != nil {
		return t.err
	}
	if len(t.touched) > 0 {
		names := make([]string, 0, len(t.touched))
		for n := range t.touched {
			names = append(names, n)
		}
		if _, err := tx.Exec(ctx, "SELECT pg_notify($1, $2)", notifyChannel, p.id+" "+strings.Join(names, ",")); err != nil {
			return fmt.Errorf("postgres: notify: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: commit: %w", err)
	}
	for _, n := range t.created {
		p.known.Store(n, struct{}{})
	}
	for _, f := range t.onCommit {
		f()
	}
	return nil
}

// view runs fn on a snapshot.
func (p *pgBackend) view(fn func(*Tx) error) error {
	ctx, cancel := p.ctx()
	defer cancel()
	tx, err := p.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("postgres: begin: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read-only
	t := &pgTx{p: p, ctx: ctx, tx: tx}
	err = fn(&Tx{tx: t})
	if t.err != nil {
		return t.err
	}
	if err != nil {
		return err
	}
	for _, f := range t.onCommit {
		f()
	}
	return nil
}

// batchDelay is how long the first of a batch waits for others to join.
const (
	batchDelay = 2 * time.Millisecond
	batchMax   = 256
)

// batch runs fn in a write transaction shared with concurrent callers, as
// bbolt's Batch does: when the shared transaction fails, each of its
// functions runs again alone, so only the failing one sees its error.
func (p *pgBackend) batch(fn func(*Tx) error) error {
	c := batchCall{fn: fn, done: make(chan error, 1)}
	p.batchMu.Lock()
	p.batchQ = append(p.batchQ, c)
	switch {
	case len(p.batchQ) >= batchMax:
		q := p.batchQ
		p.batchQ = nil
		if p.batchT != nil {
			p.batchT.Stop()
			p.batchT = nil
		}
		p.batchMu.Unlock()
		go p.runBatch(q)
	case p.batchT == nil:
		p.batchT = time.AfterFunc(batchDelay, p.flushBatch)
		p.batchMu.Unlock()
	default:
		p.batchMu.Unlock()
	}
	return <-c.done
}

func (p *pgBackend) flushBatch() {
	p.batchMu.Lock()
	q := p.batchQ
	p.batchQ = nil
	p.batchT = nil
	p.batchMu.Unlock()
	if len(q) > 0 {
		p.runBatch(q)
	}
}

func (p *pgBackend) runBatch(q []batchCall) {
	err := p.update(func(tx *Tx) error {
		for _, c := range q {
			if err := c.fn(tx); err != nil {
				return err
			}
		}
		return nil
	}, true)
	if err == nil {
		for _, c := range q {
			c.done <- nil
		}
		return
	}
	for _, c := range q {
		c.done <- p.update(c.fn, true)
	}
}

// pgTx is one PostgreSQL transaction as a kvTx. The first error of a
// statement sticks: later calls do nothing and the transaction rolls back
// with it, whatever fn returns.
//
// Writes wait in the transaction (pend) and go to the server together,
// in one round trip per bucket, before a cursor or a count reads the
// bucket and at commit; a key written many times in one transaction (an
// alert's record, as each of its recipients is called) is sent once.
// What the transaction read or wrote is kept (seen), so reading it again
// costs no round trip, and bucket sequences are counted here and stored
// at commit: writers take turns under the write lock, so nothing else
// moves them meanwhile.
type pgTx struct {
	p        *pgBackend
	ctx      context.Context
	tx       pgx.Tx
	writable bool
	err      error
	touched  map[string]struct{}
	created  []string
	onCommit []func()
	pend     map[string]map[string]pendVal // bucket -> key -> write not yet sent
	seen     map[string]map[string][]byte  // bucket -> key -> value on the server (nil: none)
	seqs     map[string]*pendSeq           // bucket -> its sequence, once read
}

// pendVal is a write not yet sent: a value, or a deletion.
type pendVal struct {
	v   []byte
	del bool
}

// pendSeq is a bucket's sequence as this transaction has moved it.
type pendSeq struct {
	v     uint64
	dirty bool
}

// flushChunk bounds the keys one statement sends.
const flushChunk = 5000

// flush sends the bucket's waiting writes (all buckets' for ""), in one
// round trip.
func (t *pgTx) flush(bucket string) {
	if t.err != nil || len(t.pend) == 0 && (bucket != "" || len(t.seqs) == 0) {
		return
	}
	batch := &pgx.Batch{}
	for name, m := range t.pend {
		if bucket != "" && name != bucket {
			continue
		}
		var ks, vs, dels [][]byte
		for k, pv := range m {
			if pv.del {
				dels = append(dels, []byte(k))
			} else {
				ks, vs = append(ks, []byte(k)), append(vs, pv.v)
			}
			if t.seen[name] == nil {
				t.seen[name] = map[string][]byte{}
			}
			if pv.del {
				t.seen[name][k] = nil
			} else {
				t.seen[name][k] = pv.v
			}
		}
		for i := 0; i < len(ks); i += flushChunk {
			j := min(i+flushChunk, len(ks))
			batch.Queue("INSERT INTO dutybot_kv (bucket, k, v) SELECT $1, u.k, u.v FROM unnest($2::bytea[], $3::bytea[]) AS u(k, v) "+
				"ON CONFLICT (bucket, k) DO UPDATE SET v = EXCLUDED.v", name, ks[i:j], vs[i:j])
		}
		for i := 0; i < len(dels); i += flushChunk {
			j := min(i+flushChunk, len(dels))
			batch.Queue("DELETE FROM dutybot_kv WHERE bucket = $1 AND k = ANY($2::bytea[])", name, dels[i:j])
		}
		delete(t.pend, name)
	}
	if bucket == "" {
		for name, sq := range t.seqs {
			if sq.dirty {
				batch.Queue("UPDATE dutybot_buckets SET seq = $2 WHERE name = $1", name, int64(sq.v))
				sq.dirty = false
			}
		}
	}
	if batch.Len() == 0 {
		return
	}
	if err := t.tx.SendBatch(t.ctx, batch).Close(); err != nil {
		t.fail("write "+bucket, err)
	}
}

// sequence returns the bucket's sequence as this transaction has it.
func (t *pgTx) sequence(bucket string) *pendSeq {
	if sq := t.seqs[bucket]; sq != nil {
		return sq
	}
	var seq int64
	if err := t.tx.QueryRow(t.ctx, "SELECT seq FROM dutybot_buckets WHERE name = $1", bucket).Scan(&seq); err != nil {
		t.fail("sequence of "+bucket, err)
		return &pendSeq{}
	}
	if t.seqs == nil {
		t.seqs = map[string]*pendSeq{}
	}
	sq := &pendSeq{v: uint64(seq)}
	t.seqs[bucket] = sq
	return sq
}

func (t *pgTx) fail(op string, err error) {
	if t.err == nil && err != nil {
		t.err = fmt.Errorf("postgres: %s: %w", op, err)
	}
}

func (t *pgTx) touch(bucket string) {
	if t.touched == nil {
		t.touched = map[string]struct{}{}
	}
	t.touched[bucket] = struct{}{}
}

func (t *pgTx) Writable() bool     { return t.writable }
func (t *pgTx) OnCommit(fn func()) { t.onCommit = append(t.onCommit, fn) }

func (t *pgTx) Bucket(name []byte) kvBucket {
	if t.err != nil {
		return &pgBucket{t: t, name: string(name)}
	}
	n := string(name)
	if _, ok := t.p.known.Load(n); ok {
		return &pgBucket{t: t, name: n}
	}
	var one int
	err := t.tx.QueryRow(t.ctx, "SELECT 1 FROM dutybot_buckets WHERE name = $1", n).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		t.fail("find bucket "+n, err)
		return &pgBucket{t: t, name: n}
	}
	t.p.known.Store(n, struct{}{})
	return &pgBucket{t: t, name: n}
}

func (t *pgTx) CreateBucketIfNotExists(name []byte) (kvBucket, error) {
	if !t.writable {
		return nil, bolt.ErrTxNotWritable
	}
	n := string(name)
	if _, ok := t.p.known.Load(n); ok {
		return &pgBucket{t: t, name: n}, nil
	}
	if _, err := t.tx.Exec(t.ctx, "INSERT INTO dutybot_buckets (name, seq) VALUES ($1, 0) ON CONFLICT DO NOTHING", n); err != nil {
		t.fail("create bucket "+n, err)
		return nil, t.err
	}
	t.created = append(t.created, n)
	return &pgBucket{t: t, name: n}, nil
}

func (t *pgTx) CreateBucket(name []byte) (kvBucket, error) {
	if !t.writable {
		return nil, bolt.ErrTxNotWritable
	}
	n := string(name)
	tag, err := t.tx.Exec(t.ctx, "INSERT INTO dutybot_buckets (name, seq) VALUES ($1, 0) ON CONFLICT DO NOTHING", n)
	if err != nil {
		t.fail("create bucket "+n, err)
		return nil, t.err
	}
	if tag.RowsAffected() == 0 {
		return nil, bolt.ErrBucketExists
	}
	t.created = append(t.created, n)
	return &pgBucket{t: t, name: n}, nil
}

func (t *pgTx) DeleteBucket(name []byte) error {
	if !t.writable {
		return bolt.ErrTxNotWritable
	}
	n := string(name)
	delete(t.pend, n)
	delete(t.seen, n)
	delete(t.seqs, n)
	tag, err := t.tx.Exec(t.ctx, "DELETE FROM dutybot_buckets WHERE name = $1", n)
	if err != nil {
		t.fail("delete bucket "+n, err)
		return t.err
	}
	if tag.RowsAffected() == 0 {
		return bolt.ErrBucketNotFound
	}
	if _, err := t.tx.Exec(t.ctx, "DELETE FROM dutybot_kv WHERE bucket = $1", n); err != nil {
		t.fail("delete bucket "+n, err)
		return t.err
	}
	t.p.known.Delete(n)
	t.touch(n)
	return nil
}

// ForEachBucket calls fn for every bucket, by name.
func (t *pgTx) ForEachBucket(fn func(name []byte, b kvBucket) error) error {
	rows, err := t.tx.Query(t.ctx, "SELECT name FROM dutybot_buckets ORDER BY name")
	if err != nil {
		t.fail("list buckets", err)
		return t.err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.fail("list buckets", err)
		return t.err
	}
	for _, n := range names {
		if err := fn([]byte(n), &pgBucket{t: t, name: n}); err != nil {
			return err
		}
	}
	return nil
}

// pgBucket is a bucket in a PostgreSQL transaction.
type pgBucket struct {
	t    *pgTx
	name string
}

func (b *pgBucket) Get(k []byte) []byte {
	t := b.t
	if t.err != nil {
		return nil
	}
	if pv, ok := t.pend[b.name][string(k)]; ok {
		if pv.del {
			return nil
		}
		return pv.v
	}
	if v, ok := t.seen[b.name][string(k)]; ok {
		return v
	}
	var v []byte
	err := t.tx.QueryRow(t.ctx, "SELECT v FROM dutybot_kv WHERE bucket = $1 AND k = $2", b.name, k).Scan(&v)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		v = nil
	case err != nil:
		t.fail("get "+b.name, err)
		return nil
	case v == nil:
		v = []byte{}
	}
	if t.seen == nil {
		t.seen = map[string]map[string][]byte{}
	}
	if t.seen[b.name] == nil {
		t.seen[b.name] = map[string][]byte{}
	}
	t.seen[b.name][string(k)] = v
	return v
}

// Prefetch reads the keys of a bucket not yet read or written in this
// transaction in one round trip, and keeps what it found (nil for absent
// keys) as Get would.
func (t *pgTx) Prefetch(bucket string, keys [][]byte) error {
	if t.err != nil {
		return t.err
	}
	var want [][]byte
	for _, k := range keys {
		if _, ok := t.pend[bucket][string(k)]; ok {
			continue
		}
		if _, ok := t.seen[bucket][string(k)]; ok {
			continue
		}
		want = append(want, k)
	}
	if len(want) == 0 {
		return nil
	}
	if t.seen == nil {
		t.seen = map[string]map[string][]byte{}
	}
	if t.seen[bucket] == nil {
		t.seen[bucket] = map[string][]byte{}
	}
	seen := t.seen[bucket]
	rows, err := t.tx.Query(t.ctx, "SELECT k, v FROM dutybot_kv WHERE bucket = $1 AND k = ANY($2::bytea[])", bucket, want)
	if err != nil {
		t.fail("prefetch "+bucket, err)
		return t.err
	}
	found := map[string][]byte{}
	for rows.Next() {
		var k, v []byte
		if err := rows.Scan(&k, &v); err != nil {
			rows.Close()
			t.fail("prefetch "+bucket, err)
			return t.err
		}
		if v == nil {
			v = []byte{}
		}
		found[string(k)] = v
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		t.fail("prefetch "+bucket, err)
		return t.err
	}
	for _, k := range want {
		seen[string(k)] = found[string(k)] // nil: absent
	}
	return nil
}

// pendWrite records a write to send later.
func (b *pgBucket) pendWrite(k []byte, pv pendVal) {
	t := b.t
	if t.pend == nil {
		t.pend = map[string]map[string]pendVal{}
	}
	if t.seen == nil {
		t.seen = map[string]map[string][]byte{}
	}
	m := t.pend[b.name]
	if m == nil {
		m = map[string]pendVal{}
		t.pend[b.name] = m
	}
	m[string(k)] = pv
	t.touch(b.name)
}

// writeErr says why the transaction takes no write, if it does not: its
// first error, or that it is read-only.
func (t *pgTx) writeErr() error {
	if t.err != nil {
		return t.err
	}
	if !t.writable {
		return bolt.ErrTxNotWritable
	}
	return nil
}

func (b *pgBucket) Put(k, v []byte) error {
	if err := b.t.writeErr(); err != nil {
		return err
	}
	if len(k) == 0 {
		return bolt.ErrKeyRequired
	}
	b.pendWrite(k, pendVal{v: append([]byte{}, v...)})
	return nil
}

func (b *pgBucket) Delete(k []byte) error {
	if err := b.t.writeErr(); err != nil {
		return err
	}
	b.pendWrite(k, pendVal{del: true})
	return nil
}

func (b *pgBucket) ForEach(fn func(k, v []byte) error) error {
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return b.t.err
}

func (b *pgBucket) NextSequence() (uint64, error) {
	t := b.t
	if err := t.writeErr(); err != nil {
		return 0, err
	}
	sq := t.sequence(b.name)
	if t.err != nil {
		return 0, t.err
	}
	sq.v++
	sq.dirty = true
	return sq.v, nil
}

func (b *pgBucket) Sequence() uint64 {
	t := b.t
	if t.err != nil {
		return 0
	}
	return t.sequence(b.name).v
}

func (b *pgBucket) SetSequence(v uint64) error {
	t := b.t
	if err := t.writeErr(); err != nil {
		return err
	}
	sq := t.sequence(b.name)
	sq.v, sq.dirty = v, true
	return t.err
}

func (b *pgBucket) KeyN() int {
	t := b.t
	if t.err != nil {
		return 0
	}
	t.flush(b.name)
	var n int
	if err := t.tx.QueryRow(t.ctx, "SELECT count(*) FROM dutybot_kv WHERE bucket = $1", b.name).Scan(&n); err != nil {
		t.fail("count "+b.name, err)
	}
	return n
}

func (b *pgBucket) Cursor() kvCursor { return &pgCursor{b: b} }

// pgCursor walks a bucket a page of rows at a time. Like a bbolt cursor,
// it is not meant to see writes to the bucket made after it moved (its
// page is read ahead), except its own Delete. At the ends of a walk it
// does what a bbolt cursor does, so code written against one backend
// walks the same on the other: a move that finds no key returns nil and
// leaves the cursor where it was (a Next past the last key, then Prev,
// gives the key before the last); a Seek past the last key leaves it
// after the end (Prev then gives the last key).
type pgCursor struct {
	b    *pgBucket
	rows []kvRow // read ahead from where the walk came from, in its direction
	i    int     // the cursor's row in rows; on none when rows is empty
	asc  bool
	full bool // the page was as long as asked: more may follow
	size int
	off  bool // the last move found no key: the cursor stays on rows[i]
	past bool // a Seek went past the last key: the cursor is after the end
}

type kvRow struct{ k, v []byte }

func (c *pgCursor) cur() (k, v []byte) {
	if c.off || c.i < 0 || c.i >= len(c.rows) {
		return nil, nil
	}
	r := c.rows[c.i]
	return r.k, r.v
}

// load reads the page after (asc) or before key; inclusive takes key
// itself too.
func (c *pgCursor) load(key []byte, asc, inclusive bool) (k, v []byte) {
	t := c.b.t
	c.rows, c.i, c.asc, c.off, c.past = c.rows[:0], 0, asc, false, false
	t.flush(c.b.name) // the page must show what the transaction wrote
	if t.err != nil {
		return nil, nil
	}
	if c.size == 0 {
		c.size = pageFirst
	} else {
		c.size = min(c.size*4, pageMax)
	}
	var q string
	switch {
	case key == nil && asc:
		q = "SELECT k, v FROM dutybot_kv WHERE bucket = $1 AND $2::bytea IS NULL ORDER BY k LIMIT $3"
	case key == nil:
		q = "SELECT k, v FROM dutybot_kv WHERE bucket = $1 AND $2::bytea IS NULL ORDER BY k DESC LIMIT $3"
	case asc && inclusive:
		q = "SELECT k, v FROM dutybot_kv WHERE bucket = $1 AND k >= $2 ORDER BY k LIMIT $3"
	case asc:
		q = "SELECT k, v FROM dutybot_kv WHERE bucket = $1 AND k > $2 ORDER BY k LIMIT $3"
	default:
		q = "SELECT k, v FROM dutybot_kv WHERE bucket = $1 AND k < $2 ORDER BY k DESC LIMIT $3"
	}
	rows, err := t.tx.Query(t.ctx, q, c.b.name, key, c.size)
	if err != nil {
		t.fail("read "+c.b.name, err)
		return nil, nil
	}
	for rows.Next() {
		var r kvRow
		if err := rows.Scan(&r.k, &r.v); err != nil {
			rows.Close()
			t.fail("read "+c.b.name, err)
			return nil, nil
		}
		if r.v == nil {
			r.v = []byte{}
		}
		c.rows = append(c.rows, r)
	}
	if err := rows.Err(); err != nil {
		t.fail("read "+c.b.name, err)
		return nil, nil
	}
	c.full = len(c.rows) == c.size
	return c.cur()
}

func (c *pgCursor) First() (k, v []byte) { c.size = 0; return c.load(nil, true, true) }
func (c *pgCursor) Last() (k, v []byte)  { c.size = 0; return c.load(nil, false, true) }

func (c *pgCursor) Seek(seek []byte) (k, v []byte) {
	c.size = 0
	if seek == nil {
		seek = []byte{}
	}
	k, v = c.load(seek, true, true)
	c.past = k == nil && c.b.t.err == nil
	return k, v
}

func (c *pgCursor) step(asc bool) (k, v []byte) {
	if c.past {
		if asc {
			return nil, nil
		}
		return c.Last()
	}
	if c.i < 0 || c.i >= len(c.rows) {
		return nil, nil // never placed, or the bucket is empty
	}
	at := c.rows[c.i]
	if c.asc == asc && c.i+1 < len(c.rows) {
		c.i++
		c.off = false
		return c.cur()
	}
	if c.asc == asc && !c.full {
		c.off = true
		return nil, nil
	}
	if c.asc != asc {
		c.size = 0
	}
	if k, v = c.load(at.k, asc, false); k != nil || c.b.t.err != nil {
		return k, v
	}
	// Nothing further that way: stay on at.
	c.rows, c.i, c.asc, c.full, c.off = append(c.rows[:0], at), 0, asc, false, true
	return nil, nil
}

func (c *pgCursor) Next() (k, v []byte) { return c.step(true) }
func (c *pgCursor) Prev() (k, v []byte) { return c.step(false) }

// Delete removes the key the cursor is on, or rests on after a move that
// found none; on no key (after the end, an empty bucket) it does nothing,
// as bbolt's does.
func (c *pgCursor) Delete() error {
	if c.past || c.i < 0 || c.i >= len(c.rows) {
		return nil
	}
	return c.b.Delete(c.rows[c.i].k)
}
