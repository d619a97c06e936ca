package api

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"dutybot/ledger"
	"dutybot/storage"
)

// Headers of an exported ledger workbook.
const (
	HeaderLedgerCalls = "X-Dutybot-Ledger-Calls"
	HeaderChainHead   = "X-Dutybot-Chain-Head" // "SEQ HASH"
	HeaderChainOK     = "X-Dutybot-Chain-Ok"   // "true" or "false"
)

func (s *Server) ledgerRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/ledger", s.auth(s.withLedger(s.exportLedger)))
	mux.HandleFunc("GET /api/v1/ledger/verify", s.auth(s.withLedger(s.verifyLedger)))
	mux.HandleFunc("GET /api/v1/ledger/alerts/{id}", s.auth(s.withLedger(s.alertStory)))
}

// WithLedger adds the ledger endpoints, reading through l.
func (s *Server) WithLedger(l *ledger.Ledger) *Server {
	s.book = l
	return s
}

// withLedger needs the ledger and the configuration, which the API reaches
// through the roster checker.
func (s *Server) withLedger(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.coverage == nil || s.book == nil {
			writeJSON(w, http.StatusServiceUnavailable, errorBody{"the ledger API is not set up"})
			return
		}
		next(w, r)
	}
}

func (s *Server) ledger() *ledger.Ledger { return s.book }

// LedgerFilter reads the filter of GET /api/v1/ledger: period (as /ledger
// takes it) or from and to (dates, both included), unit and official.
func LedgerFilter(q url.Values, now time.Time, loc *time.Location) (ledger.Filter, error) {
	p, err := ledger.ParsePeriod(q.Get("period"), now, loc)
	if err != nil {
		return ledger.Filter{}, err
	}
	if from := q.Get("from"); from != "" {
		t, err := time.ParseInLocation(time.DateOnly, from, loc)
		if err != nil {
			return ledger.Filter{}, fmt.Errorf("from: %q is not a date such as 2026-11-01", from)
		}
		p.From = t
	}
	if to := q.Get("to"); to != "" {
		t, err := time.ParseInLocation(time.DateOnly, to, loc)
		if err != nil {
			return ledger.Filter{}, fmt.Errorf("to: %q is not a date such as 2026-11-30", to)
		}
		p.To = t.AddDate(0, 0, 1)
	}
	return ledger.Filter{From: p.From, To: p.To, Unit: q.Get("unit"), Official: q.Get("official")}, nil
}

func (s *Server) exportLedger(w http.ResponseWriter, r *http.Request) {
	cfg := s.cfg
	now := s.engine.Now()
	f, err := LedgerFilter(r.URL.Query(), now, cfg.Location)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody{err.Error()})
		return
	}
	l := s.ledger()
	if err := l.Validate(f); err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody{err.Error()})
		return
	}
	b, err := l.Book(f, now)
	var buf bytes.Buffer
	if err == nil {
		err = l.WriteXLSX(&buf, b)
	}
	if err != nil {
		s.log.Error("api: export the ledger", "err", err)
		writeJSON(w, http.StatusInternalServerError, errorBody{"internal error"})
		return
	}
	st := b.Stats()
	err = s.db.Update(func(tx *storage.Tx) error {
		return tx.AppendEvent(l.ExportRecord(now, storage.WordAPI, "", "api", b, buf.Bytes()))
	})
	if err != nil {
		s.log.Error("api: record the ledger export", "err", err)
	}
	name := l.FileName(f.From, f.To)
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	w.Header().Set(HeaderLedgerCalls, strconv.Itoa(st.Calls))
	w.Header().Set(HeaderChainHead, fmt.Sprintf("%d %s", st.HeadSeq, st.HeadHash))
	w.Header().Set(HeaderChainOK, strconv.FormatBool(st.ChainOK))
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	_, _ = w.Write(buf.Bytes())
}

// VerifyJSON is the answer of GET /api/v1/ledger/verify.
type VerifyJSON struct {
	OK          bool                `json:"ok"`
	Schema      uint64              `json:"schema"`
	Events      uint64              `json:"events"`
	HeadSeq     uint64              `json:"head_seq"`
	HeadHash    string              `json:"head_hash"`
	Break       *storage.ChainBreak `json:"break,omitempty"`
	Witnesses   []WitnessJSON       `json:"witnesses"`
	LastWitness *storage.Event      `json:"last_witness,omitempty"`
	// Damage says why the file could not be read through (ok is false).
	Damage string `json:"damage,omitempty"`
}

// WitnessJSON is one witnessed head checked.
type WitnessJSON struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
	OK   bool   `json:"ok"`
	Why  string `json:"why,omitempty"`
}

// ToVerifyJSON converts a verification for the API.
func ToVerifyJSON(v ledger.Verification) VerifyJSON {
	out := VerifyJSON{OK: v.OK(), Schema: v.Chain.Schema, Events: v.Chain.Events, HeadSeq: v.Chain.HeadSeq,
		HeadHash: v.Chain.HeadHash, Break: v.Chain.Break, Witnesses: []WitnessJSON{}, LastWitness: v.LastWitness,
		Damage: v.Damage}
	for _, w := range v.Witnesses {
		out.Witnesses = append(out.Witnesses, WitnessJSON{Seq: w.Seq, Hash: w.Hash, OK: w.OK, Why: w.Why})
	}
	return out
}

func (s *Server) verifyLedger(w http.ResponseWriter, r *http.Request) {
	var heads []ledger.Head
	for _, q := range r.URL.Query()["witness"] {
		h, err := ledger.ParseHead(q)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, errorBody{"witness: " + err.Error()})
			return
		}
		heads = append(heads, h)
	}
	v, err := s.ledger().Verify(heads)
	if err != nil {
		s.log.Error("api: verify the ledger", "err", err)
		writeJSON(w, http.StatusInternalServerError, errorBody{"internal error"})
		return
	}
	writeJSON(w, http.StatusOK, ToVerifyJSON(v))
}

func (s *Server) alertStory(w http.ResponseWriter, r *http.Request) {
	text, err := s.ledger().Story(r.PathValue("id"))
	switch {
	case errors.Is(err, ledger.ErrUnknownAlert):
		writeJSON(w, http.StatusNotFound, errorBody{fmt.Sprintf("no alert %q", r.PathValue("id"))})
	case err != nil:
		s.log.Error("api: alert story", "err", err)
		writeJSON(w, http.StatusInternalServerError, errorBody{"internal error"})
	default:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte(text))
	}
}
