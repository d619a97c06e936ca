package storage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	bolt "go.etcd.io/bbolt"
)

// PGOptions adjusts OpenPostgres; the zero value suits production.
type PGOptions struct {
	// IdleInTransaction is how long the server lets a write transaction
	// wait on its client before ending it: the transaction of a process
	// that was paused (SIGSTOP, a hung VM) would otherwise hold the write
	// lock for ever. Keep it well under ha.takeover. Zero: 5 s.
	IdleInTransaction time.Duration
	// TxTimeout bounds every transaction. Zero: 60 s.
	TxTimeout time.Duration
	// MaxConns bounds the pool. Zero: 16.
	MaxConns int32
}

// notifyChannel carries, at each commit that wrote, which buckets it
// wrote, so other instances wake their engine or board (DB.Watch).
const notifyChannel = "dutybot"

// migrateLockKey is the session advisory lock held while migrating, so two
// instances starting together do not both create the schema.
const migrateLockKey int64 = 0x6475747963

// pgMigrations are the schema's versions, in order; a database is at
// version len(pgMigrations) once dutybot opened it. Never edit one that
// was released: add the next.
var pgMigrations = []string{
	// 1: the kernel's buckets of ordered keys, and the engine lease.
	`CREATE TABLE dutybot_buckets (
		name text PRIMARY KEY,
		seq  bigint NOT NULL DEFAULT 0
	);
	CREATE TABLE dutybot_kv (
		bucket text  NOT NULL,
		k      bytea NOT NULL,
		v      bytea NOT NULL,
		PRIMARY KEY (bucket, k)
	);
	CREATE TABLE dutybot_lease (
		name    text PRIMARY KEY,
		holder  text NOT NULL,
		epoch   bigint NOT NULL,
		expires timestamptz NOT NULL,
		since   timestamptz NOT NULL
	);`,
}

// PGSchemaVersion is the PostgreSQL schema version this binary creates and
// understands.
var PGSchemaVersion = len(pgMigrations)

// ErrSchemaNewer is returned, wrapped, when the database was upgraded by a
// newer dutybot than this one.
var ErrSchemaNewer = errors.New("the database schema is newer than this binary")

// OpenPostgres opens the PostgreSQL database at dsn, creating or upgrading
// dutybot's schema in it. The dsn (it may hold a password) is never part of
// an error or a log line: Path gives it without the password.
func OpenPostgres(dsn string, o PGOptions) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("open storage on postgres: the dsn does not parse (%s)", redactDSNError(err))
	}
	idle := o.IdleInTransaction
	if idle <= 0 {
		idle = 5 * time.Second
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "dutybot"
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	}
	cfg.MaxConns = 16
	if o.MaxConns > 0 {
		cfg.MaxConns = o.MaxConns
	}
	where := describeDSN(cfg.ConnConfig)
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		return nil, fmt.Errorf("open storage %s: %w", where, err)
	}
	p := &pgBackend{pool: pool, id: newInstanceID(), txTimeout: o.TxTimeout,
		begin: fmt.Sprintf("SET LOCAL idle_in_transaction_session_timeout = %d; SELECT pg_advisory_xact_lock(%d)", idle.Milliseconds(), WriteLockKey)}
	if p.txTimeout <= 0 {
		p.txTimeout = 60 * time.Second
	}
	created, err := p.migrate()
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("open storage %s: %w", where, err)
	}
	db := &DB{pg: p, path: where, created: created}
	if err := p.update(func(tx *Tx) error { return initKV(tx.tx) }, false); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open storage %s: %w", where, err)
	}
	return db, nil
}

// describeDSN names the database without its password.
func describeDSN(c *pgx.ConnConfig) string {
	return fmt.Sprintf("postgres://%s@%s:%d/%s", c.User, c.Host, c.Port, c.Database)
}

// redactDSNError keeps a parse error's reason but not the dsn it quotes.
func redactDSNError(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		return msg[i+2:]
	}
	return "malformed"
}

func newInstanceID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	host, _ := os.Hostname()
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
}

// migrate brings the schema to PGSchemaVersion; created tells whether it
// started from nothing.
func (p *pgBackend) migrate() (created bool, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := p.pool.Acquire(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrateLockKey); err != nil {
		return false, fmt.Errorf("lock the schema: %w", err)
	}
	defer conn.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", migrateLockKey) //nolint:errcheck // the session's end releases it too
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS dutybot_migrations (
		version integer PRIMARY KEY, applied timestamptz NOT NULL DEFAULT now())`); err != nil {
		return false, fmt.Errorf("create the migrations table: %w", err)
	}
	var have int
	if err := conn.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM dutybot_migrations").Scan(&have); err != nil {
		return false, fmt.Errorf("read the schema version: %w", err)
	}
	if have > PGSchemaVersion {
		return false, fmt.Errorf("%w: version %d, this binary understands up to %d; run the newer dutybot", ErrSchemaNewer, have, PGSchemaVersion)
	}
	for v := have + 1; v <= PGSchemaVersion; v++ {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, pgMigrations[v-1]); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO dutybot_migrations (version) VALUES ($1)", v)
			return err
		})
		if err != nil {
			return false, fmt.Errorf("migrate the schema to version %d: %w", v, err)
		}
	}
	return have == 0, nil
}

// Backend names where the database lives: "bbolt" or "postgres".
func (db *DB) Backend() string {
	if db.pg != nil {
		return "postgres"
	}
	return "bbolt"
}

// Shared reports whether other processes may use the database at the same
// time (PostgreSQL), so that only the holder of the engine lease runs the
// engine. A bbolt file is held by one process.
func (db *DB) Shared() bool { return db.pg != nil }

// SetFence makes every later write of this process (but the lease's own)
// check that the engine lease is still at epoch, failing with ErrFenced
// otherwise; 0 lifts the check. The engine sets it while it leads.
func (db *DB) SetFence(epoch uint64) {
	if db.pg != nil {
		db.pg.fence.Store(epoch)
	}
}

// Watch calls fn with the buckets each commit of another process wrote,
// until ctx ends; on a bbolt file, where no other process writes, it only
// waits. A lost connection is retried every second; commits made while it
// was lost are not reported, so fn's users also look for themselves now
// and then.
func (db *DB) Watch(ctx context.Context, log *slog.Logger, fn func(buckets []string)) error {
	if db.pg == nil {
		<-ctx.Done()
		return nil
	}
	for {
		err := db.pg.listen(ctx, fn)
		if ctx.Err() != nil {
			return nil
		}
		log.Warn("postgres: lost the notification connection; retrying", "err", err)
		fn(nil) // something may have been missed: look again
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
}

func (p *pgBackend) listen(ctx context.Context, fn func([]string)) error {
	conn, err := p.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
		return err
	}
	defer conn.Exec(context.Background(), "UNLISTEN "+notifyChannel) //nolint:errcheck // best effort
	for {
		n, err := conn.Conn().WaitForNotification(ctx)
		if err != nil {
			return err
		}
		from, list, _ := strings.Cut(n.Payload, " ")
		if from == p.id {
			continue
		}
		fn(strings.Split(list, ","))
	}
}

// writeTo writes the whole database as a bbolt file to w: one snapshot,
// every bucket and its sequence.
func (p *pgBackend) writeTo(w io.Writer) (int64, error) {
	dir, err := os.MkdirTemp("", "dutybot-backup-")
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "dutybot.db")
	b, err := bolt.Open(path, 0o600, &bolt.Options{NoSync: true})
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	dst := &DB{bolt: b, path: path}
	defer dst.Close()
	if _, err := copyAll(dst, &DB{pg: p}, false); err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	return dst.WriteTo(w)
}

// Instance names this process among those sharing the database (host,
// pid and a random part): the engine lease's holder.
func (db *DB) Instance() string {
	if db.pg != nil {
		return db.pg.id
	}
	return "local"
}
