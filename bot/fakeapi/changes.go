package fakeapi

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// ErrClosed is returned by waits that end because the server was closed.
var ErrClosed = errors.New("fakeapi: server closed")

// UserMessage is a message a played user sent (text, contact, document or
// photo), so a viewer can show both sides of a chat.
type UserMessage struct {
	ChatID   int64
	ID       int // shares the chat's sequence with bot messages
	From     int64
	Text     string
	Contact  string // phone number of a shared contact
	Document string // file name of an uploaded document
	Photo    string // file name of a sent photo
	Caption  string // of a document or photo
	FileID   string // of the document or photo, for File
	Date     time.Time
}

// File returns the name and content of a file the server knows by its id
// (one a user sent, or the bot uploaded), so a viewer can show it.
func (s *Server) File(id string) (name string, data []byte, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.files[id]
	if f == nil {
		return "", nil, false
	}
	return f.name, slices.Clone(f.data), true
}

// UserMessages returns the live messages users sent in the chat, in send order.
func (s *Server) UserMessages(chatID int64) []UserMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.chats[chatID]; c != nil {
		return slices.Clone(c.userLog)
	}
	return nil
}

// Version counts changes anyone may want to show: bot messages sent, edited
// or deleted, callback queries answered and messages users sent.
func (s *Server) Version() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.version
}

// WaitChange waits until Version is past after and returns it; it returns
// early with ctx's error or ErrClosed. Long polls and event streams of a
// web viewer use it.
func (s *Server) WaitChange(ctx context.Context, after uint64) (uint64, error) {
	for {
		s.mu.Lock()
		v, wake := s.version, s.changedLocked()
		s.mu.Unlock()
		if v > after {
			return v, nil
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return v, ctx.Err()
		case <-s.closed:
			return v, ErrClosed
		}
	}
}

// WaitAnswerContext waits for the bot to answer the callback query until ctx
// ends, for showing the answer as a toast.
func (s *Server) WaitAnswerContext(ctx context.Context, queryID string) (CallbackAnswer, error) {
	for {
		s.mu.Lock()
		q, wake := s.queries[queryID], s.changedLocked()
		var a CallbackAnswer
		answered := q != nil && q.answered
		if answered {
			a = q.answer
		}
		s.mu.Unlock()
		switch {
		case q == nil:
			return CallbackAnswer{}, fmt.Errorf("fakeapi: unknown callback query %q", queryID)
		case answered:
			return a, nil
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return CallbackAnswer{}, fmt.Errorf("fakeapi: callback query %q not answered: %w", queryID, ctx.Err())
		case <-s.closed:
			return CallbackAnswer{}, ErrClosed
		}
	}
}
