package board

import (
	"encoding/json"
	"io"
	"net/http"
	"time"
)

// update is one message of the event stream: the sections whose HTML
// changed since the last message (all of them in the first), and the
// "updated at" line.
type update struct {
	Stamp    string            `json:"stamp"`
	Sections map[string]string `json:"sections,omitempty"`
}

// events streams the board's changes as server-sent events ("update"
// events whose data is an update in JSON). It looks for changes every
// Options.Poll and sends the time every Options.Heartbeat; it ends when
// the client goes, the session expires or is signed out, the board is
// closed or the database cannot be read (the client reconnects, and a
// client whose session ended then gets 401 from /board/ping).
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	v, code := s.authenticate(r)
	if code != 0 {
		secure(w)
		http.Error(w, http.StatusText(code), code)
		return
	}
	lang := s.lang(r, v)
	// The server's write timeout bounds a whole answer, and this one lasts
	// as long as the page is open: each message gets its own deadline
	// (stream.write). (Its read timeout does not apply once the request is
	// read: net/http lifts it to watch for the client going away.)
	st := stream{w: w, rc: http.NewResponseController(w)}
	secure(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)
	if err := st.write("retry: 3000\n\n"); err != nil {
		return
	}
	sent := map[string]string{}
	push := func(always bool) error {
		snap, err := s.current()
		if err != nil {
			return err
		}
		secs, err := s.sections(snap, lang)
		if err != nil {
			return err
		}
		u := update{Sections: map[string]string{}}
		for id, html := range secs {
			if sent[id] != html {
				u.Sections[id] = html
				sent[id] = html
			}
		}
		if len(u.Sections) == 0 && !always {
			return nil
		}
		u.Stamp = s.d.Catalog.T(lang, "BoardUpdated", map[string]any{"Time": s.d.Clock.Now().In(s.loc).Format("15:04:05")})
		data, err := json.Marshal(u)
		if err != nil {
			return err
		}
		return st.write("event: update\ndata: " + string(data) + "\n\n")
	}
	if err := push(true); err != nil {
		s.d.Log.Debug("board: event stream ended", "err", err)
		return
	}
	poll, beat := time.NewTicker(s.o.Poll), time.NewTicker(s.o.Heartbeat)
	defer poll.Stop()
	defer beat.Stop()
	for {
		var err error
		select {
		case <-r.Context().Done():
			return
		case <-s.closed:
			return
		case <-poll.C:
			err = push(false)
		case <-beat.C:
			err = push(true)
		}
		if err != nil {
			s.d.Log.Debug("board: event stream ended", "err", err)
			return
		}
		if _, code := s.authenticate(r); code != 0 {
			return // the session expired or was signed out: the client finds out from /board/ping
		}
	}
}

// streamWriteStep is how long one message of the event stream may take to
// be sent: a browser that stops reading for that long is cut off (and
// reconnects if it is still there).
const streamWriteStep = 30 * time.Second

// stream writes the event stream's messages, each flushed at once under a
// fresh write deadline.
type stream struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

func (s stream) write(msg string) error {
	// A writer that cannot set deadlines (a test's recorder) has no server
	// timeout to lift.
	_ = s.rc.SetWriteDeadline(time.Now().Add(streamWriteStep))
	if _, err := io.WriteString(s.w, msg); err != nil {
		return err
	}
	return s.rc.Flush()
}
