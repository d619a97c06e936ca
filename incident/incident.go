// Package incident runs 事故直报: accident reports with the regulatory clocks
// of 国务院令第493号 (upward report within an hour, 续报 and 补报 windows),
// preliminary levels, and 迟报 marked in the record. It knows nothing of
// Telegram.
package incident

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

// Service runs the incident side. TODO(incident): implement.
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

// Fire acts on due deadlines with keys "i:…". TODO(incident).
func (s *Service) Fire(tx *storage.Tx, due []storage.Deadline, now time.Time) error { return nil }

// Run runs until ctx ends. TODO(incident).
func (s *Service) Run(ctx context.Context) error { <-ctx.Done(); return nil }
