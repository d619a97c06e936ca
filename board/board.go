// Package board serves the live duty board (值班看板) on the bot's HTTP
// server: open alerts and who has answered, escalations, who is on duty,
// overdue tasks, the 熔断 checklist and answer rates, updated live, for the
// officials who lead the duty (admin, duty_leader, leader, principal).
package board

import (
	"errors"
	"log/slog"
	"net/http"

	"dutybot/callout"
	"dutybot/clock"
	"dutybot/config"
	"dutybot/locales"
	"dutybot/rota"
	"dutybot/storage"
	"dutybot/tasks"
	"dutybot/weather"
)

// Deps are the services the board reads.
type Deps struct {
	Config  *config.Config
	DB      *storage.DB
	Engine  *callout.Engine
	Rota    *rota.Service
	Weather *weather.Service
	Tasks   *tasks.Service
	Catalog *locales.Catalog
	Clock   clock.Clock
	Log     *slog.Logger
}

// Options adjust access.
type Options struct {
	// OpenLoopback lets loopback clients in without signing in; only the
	// sandbox sets it.
	OpenLoopback bool
}

// Server serves the board. TODO(board): implement.
type Server struct {
	d Deps
	o Options
}

// New returns the board.
func New(d Deps, o Options) (*Server, error) { return &Server{d: d, o: o}, nil }

// Routes adds the board's routes (/board…) to mux.
func (s *Server) Routes(mux *http.ServeMux) {}

// Link returns a signed link that lets an official open the board, or an
// error if their role may not. TODO(board).
func (s *Server) Link(official string) (string, error) { return "", errors.New("not yet") }
