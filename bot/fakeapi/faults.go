package fakeapi

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Fault makes upcoming API calls fail or stall.
type Fault struct {
	Method      string        // API method, case-insensitive; "" = any method except getUpdates
	ChatID      int64         // only calls with this chat_id; 0 = any
	Code        int           // error_code to answer; 0 = answer normally (after Delay)
	Description string        // error description; default derived from Code
	RetryAfter  int           // parameters.retry_after; default 1 for 429
	Times       int           // number of calls affected; 0 = 1, negative = until ClearFaults
	Delay       time.Duration // stall this long before answering, to simulate timeouts
	// MigrateToChatID, with Code 400, is parameters.migrate_to_chat_id: the
	// answer for a group upgraded to a supergroup (see MigrateGroup for the
	// whole upgrade).
	MigrateToChatID int64
}

// Inject arms a fault for the next Times matching calls; a stalled success takes effect even if the client gave up.
func (s *Server) Inject(f Fault) {
	if f.Times == 0 {
		f.Times = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
	s.armed.Store(int32(len(s.faults)))
}

// ClearFaults disarms all injected faults.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
	s.armed.Store(0)
}

// takeFault consumes and returns the first fault matching the call, or nil.
func (s *Server) takeFault(method string, p params) *Fault {
	if s.armed.Load() == 0 {
		return nil
	}
	chatID := p.chatIDOrZero()
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Method == "" && method == "getUpdates" || f.Method != "" && !strings.EqualFold(f.Method, method) {
			continue
		}
		if f.ChatID != 0 && f.ChatID != chatID {
			continue
		}
		c := *f
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				s.faults = slices.Delete(s.faults, i, i+1)
				s.armed.Store(int32(len(s.faults)))
			}
		}
		return &c
	}
	return nil
}

// faultError is the answer for an injected fault.
func faultError(f *Fault) *apiError {
	e := &apiError{code: f.Code, desc: f.Description, retryAfter: f.RetryAfter, migrateTo: f.MigrateToChatID}
	if e.code == http.StatusTooManyRequests && e.retryAfter <= 0 {
		e.retryAfter = 1
	}
	if e.desc == "" {
		switch e.code {
		case http.StatusBadRequest:
			e.desc = "Bad Request"
		case http.StatusForbidden:
			e.desc = errForbiddenBlocked.desc
		case http.StatusConflict:
			e.desc = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
		case http.StatusTooManyRequests:
			e.desc = fmt.Sprintf("Too Many Requests: retry after %d", e.retryAfter)
		default:
			e.desc = http.StatusText(e.code)
			if e.desc == "" {
				e.desc = fmt.Sprintf("Error %d", e.code)
			}
		}
	}
	return e
}

// Block makes the user block the bot: calls targeting their chat get 403.
func (s *Server) Block(userID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blocked[userID] = true
}

// Unblock undoes Block.
func (s *Server) Unblock(userID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.blocked, userID)
}
