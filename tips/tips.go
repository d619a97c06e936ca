// Package tips runs hazard tips (隐患举报): named or anonymous reports with a
// reference number, sealed tipster identities, assignment to a unit with a
// deadline, escalation through 叫应 when overdue, and monthly counts. It
// knows nothing of Telegram.
package tips

import (
	"context"
	"log/slog"
	"time"

	"dutybot/callout"
	"dutybot/clock"
	"dutybot/config"
	"dutybot/locales"
	"dutybot/storage"
)

// Service runs the tips side. TODO(tips): implement.
type Service struct {
	cfg    *config.Config
	db     *storage.DB
	engine *callout.Engine
	tr     *locales.Catalog
	clock  clock.Clock
	log    *slog.Logger
}

// New returns the service.
func New(cfg *config.Config, db *storage.DB, engine *callout.Engine, tr *locales.Catalog, clk clock.Clock, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{cfg: cfg, db: db, engine: engine, tr: tr, clock: clk, log: log}
}

// Fire acts on due deadlines with keys "t:…". TODO(tips).
func (s *Service) Fire(tx *storage.Tx, due []storage.Deadline, now time.Time) error { return nil }

// Run runs until ctx ends. TODO(tips).
func (s *Service) Run(ctx context.Context) error { <-ctx.Done(); return nil }
