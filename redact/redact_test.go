package redact

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestHandlerMasksSecrets(t *testing.T) {
	const token = "123456:ABC-secret-token"
	tests := []struct {
		name string
		log  func(l *slog.Logger)
	}{
		{"message", func(l *slog.Logger) { l.Info("calling https://x/bot" + token + "/getMe") }},
		{"string attr", func(l *slog.Logger) { l.Info("x", "url", "/bot"+token+"/sendMessage") }},
		{"error attr", func(l *slog.Logger) { l.Error("x", "err", errors.New("Post /bot"+token+": refused")) }},
		{"group", func(l *slog.Logger) { l.Info("x", slog.Group("req", "u", token)) }},
		{"with attrs", func(l *slog.Logger) { l.With("t", token).Info("x") }},
		{"any", func(l *slog.Logger) { l.Info("x", "v", struct{ S string }{token}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			l := slog.New(NewHandler(slog.NewTextHandler(&buf, nil), token, ""))
			tt.log(l)
			if strings.Contains(buf.String(), token) {
				t.Fatalf("token leaked: %s", buf.String())
			}
			if !strings.Contains(buf.String(), Mask) {
				t.Fatalf("mask missing: %s", buf.String())
			}
		})
	}
}
