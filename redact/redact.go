// Package redact keeps secrets (the bot token, the API token) out of logs:
// a slog handler that masks them in messages and attribute values, wherever
// they come from (including errors that quote request URLs).
package redact

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
)

// Mask is what a secret is replaced with.
const Mask = "***"

// Handler wraps a slog.Handler and masks secrets.
type Handler struct {
	next    slog.Handler
	secrets []string
}

// NewHandler returns a handler that masks every non-empty secret.
func NewHandler(next slog.Handler, secrets ...string) *Handler {
	var s []string
	for _, v := range secrets {
		if len(v) >= 4 {
			s = append(s, v)
		}
	}
	return &Handler{next: next, secrets: s}
}

// String masks the secrets in s.
func (h *Handler) String(s string) string {
	for _, sec := range h.secrets {
		s = strings.ReplaceAll(s, sec, Mask)
	}
	return s
}

// Enabled implements slog.Handler.
func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

// Handle implements slog.Handler.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	if len(h.secrets) == 0 {
		return h.next.Handle(ctx, r)
	}
	out := slog.NewRecord(r.Time, r.Level, h.String(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *Handler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.String(v.String()))
	case slog.KindGroup:
		var as []any
		for _, g := range v.Group() {
			as = append(as, h.attr(g))
		}
		return slog.Group(a.Key, as...)
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, h.String(err.Error()))
		}
		return slog.String(a.Key, h.String(fmt.Sprint(v.Any())))
	}
	return a
}

// WithAttrs implements slog.Handler.
func (h *Handler) WithAttrs(as []slog.Attr) slog.Handler {
	masked := make([]slog.Attr, len(as))
	for i, a := range as {
		masked[i] = h.attr(a)
	}
	return &Handler{next: h.next.WithAttrs(masked), secrets: h.secrets}
}

// WithGroup implements slog.Handler.
func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{next: h.next.WithGroup(name), secrets: h.secrets}
}
