package fakeapi

import (
	"fmt"
	"net/http"
)

// Stars is an amount of Telegram Stars counted in tenths, the unit a paid
// broadcast is charged in, so balances and sums stay exact.
type Stars int64

const (
	// Star is one Telegram Star.
	Star Stars = 10
	// PaidBroadcastFee is what Telegram charges the bot's balance for one
	// message sent with allow_paid_broadcast: 0.1 Star.
	PaidBroadcastFee Stars = 1
)

// String formats the amount in Stars, such as "12.3".
func (v Stars) String() string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%d", sign, v/Star, v%Star)
}

// ErrBalanceTooLow is the description of Telegram's 400 answer to a paid
// broadcast the bot's Stars cannot pay for, in one place so the bot's
// error classifier and its tests match the same words.
const ErrBalanceTooLow = "Bad Request: BALANCE_TOO_LOW"

var errBalanceTooLow = &apiError{code: http.StatusBadRequest, desc: ErrBalanceTooLow}

// SetStars sets the bot's balance for paid broadcasts, which limits it
// from then on even if Options.Stars left it unlimited.
func (s *Server) SetStars(balance Stars) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stars, s.starsCap = balance, true
}

// Stars returns the bot's balance for paid broadcasts; limited is false
// while it is unlimited (Options.Stars nil and no SetStars).
func (s *Server) Stars() (balance Stars, limited bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stars, s.starsCap
}

// canPayLocked refuses a paid send the balance cannot pay for.
func (s *Server) canPayLocked() *apiError {
	if s.starsCap && s.stars < PaidBroadcastFee {
		return errBalanceTooLow
	}
	return nil
}

// chargeLocked pays for an accepted paid send.
func (s *Server) chargeLocked() {
	s.stats.Paid++
	s.stats.StarsSpent += PaidBroadcastFee
	if s.starsCap {
		s.stars -= PaidBroadcastFee
	}
}
