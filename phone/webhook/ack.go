package webhook

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"dutybot/phone"
)

// maxAck bounds a report's body: a report is a few short fields.
const maxAck = 64 << 10

// ack is the JSON body of a gateway's report.
type ack struct {
	CallID string `json:"call_id"`
	Result string `json:"result"`
	Key    string `json:"key"`
	Text   string `json:"text"`
	Number string `json:"number"`
	At     string `json:"at"`
}

// results are the words a report may use.
var results = map[string]bool{
	phone.ResultPressed: true, phone.ResultAnswered: true, phone.ResultNoAnswer: true,
	phone.ResultFailed: true, phone.ResultDelivered: true, phone.ResultReply: true,
}

type ackHandler struct {
	secret []byte
	recv   phone.Receiver
	now    func() time.Time
	log    *slog.Logger
	window time.Duration
	seen   *seenSet
}

// AckHandler serves POST /api/v1/alerts/{id}/ack, where the gateway
// reports what came of a call or message. It believes only a body signed
// with secret within DefaultWindow of clock (nil: time.Now), and each
// signed body once, then hands the report to recv. It needs no bearer
// token: the signature is the gateway's credential.
func AckHandler(secret []byte, recv phone.Receiver, clock func() time.Time, log *slog.Logger) http.Handler {
	if clock == nil {
		clock = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &ackHandler{
		secret: append([]byte(nil), secret...),
		recv:   recv,
		now:    clock,
		log:    log.With("provider", Name),
		window: DefaultWindow,
		seen:   newSeenSet(defaultMaxSeen),
	}
}

type okBody struct {
	OK bool `json:"ok"`
}

type errorBody struct {
	Error string `json:"error"`
}

func (h *ackHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	alert := r.PathValue("id")
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.refuse(w, r, alert, http.StatusMethodNotAllowed, "use POST", nil)
		return
	}
	if alert == "" {
		h.refuse(w, r, alert, http.StatusNotFound, "no alert id in the path", nil)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxAck))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.refuse(w, r, alert, http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", maxAck), nil)
			return
		}
		h.refuse(w, r, alert, http.StatusBadRequest, "could not read the body", err)
		return
	}
	now := h.now()
	sg, err := verify(h.secret, r.Header.Get(HeaderTimestamp), r.Header.Get(HeaderSignature), body, now, h.window)
	if err != nil {
		h.refuse(w, r, alert, http.StatusUnauthorized, err.Error(), nil)
		return
	}
	ok, full := h.seen.reserve(sg, now)
	if full {
		w.Header().Set("Retry-After", "60")
		h.refuse(w, r, alert, http.StatusServiceUnavailable, "too many reports in the window; try again", nil)
		return
	}
	if !ok {
		h.refuse(w, r, alert, http.StatusUnauthorized, "replayed: this signature was already used", nil)
		return
	}

	rep, msg := h.report(alert, body, now)
	if msg != "" {
		h.refuse(w, r, alert, http.StatusBadRequest, msg, nil)
		return
	}
	switch err := h.recv.Report(r.Context(), rep); {
	case err == nil:
		h.log.Info("report taken", "alert", alert, "call", rep.CallID, "result", rep.Result)
		writeJSON(w, http.StatusOK, okBody{OK: true})
	case errors.Is(err, phone.ErrUnknownCall):
		h.refuse(w, r, alert, http.StatusNotFound, err.Error(), nil)
	case errors.Is(err, phone.ErrBadReport):
		h.refuse(w, r, alert, http.StatusBadRequest, err.Error(), nil)
	default:
		// Not applied: the gateway may send the same signed body again.
		h.seen.release(sg)
		h.refuse(w, r, alert, http.StatusInternalServerError, "internal error", err)
	}
}

// report reads a verified body into a phone.Report, or says why it
// cannot.
func (h *ackHandler) report(alert string, body []byte, now time.Time) (phone.Report, string) {
	var a ack
	if err := json.Unmarshal(body, &a); err != nil {
		return phone.Report{}, "malformed JSON: " + err.Error()
	}
	if !results[a.Result] {
		return phone.Report{}, fmt.Sprintf("unknown result %q", a.Result)
	}
	at := now
	if a.At != "" {
		t, err := time.Parse(time.RFC3339, a.At)
		if err != nil {
			return phone.Report{}, fmt.Sprintf("at %q is not RFC 3339", a.At)
		}
		at = t
	}
	return phone.Report{
		Provider: Name, ProviderID: a.CallID, CallID: a.CallID, Alert: alert,
		Number: a.Number, Result: a.Result, Key: a.Key, Text: a.Text, At: at,
	}, ""
}

// refuse answers code with {"error": msg} and logs why; cause is logged
// but not told to the caller.
func (h *ackHandler) refuse(w http.ResponseWriter, r *http.Request, alert string, code int, msg string, cause error) {
	attrs := []any{"alert", alert, "status", code, "reason", msg, "remote", r.RemoteAddr}
	if cause != nil {
		attrs = append(attrs, "err", cause)
	}
	level := slog.LevelWarn
	if code >= 500 {
		level = slog.LevelError
	}
	h.log.Log(r.Context(), level, "report refused", attrs...)
	writeJSON(w, code, errorBody{Error: msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
