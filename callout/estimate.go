package callout

import (
	"errors"
	"math"

	"dutybot/config"
	"dutybot/storage"
)

// Estimate is what an alert would set going, told before it is sent so
// the issuer sees what paid broadcast will cost.
type Estimate struct {
	// Recipients are the officials the alert calls.
	Recipients int
	// Paid reports whether the alert's level and kind are configured for
	// paid broadcast (delivery.paid_broadcast).
	Paid bool
	// PaidMessages are the first calls that go out paid: the recipients
	// called in their private chat now, when Paid; 0 otherwise.
	PaidMessages int
	// Stars is what PaidMessages cost, in Telegram Stars.
	Stars float64
}

// Estimate tells what Create would do with req, without creating anything:
// the same checks, the same recipients, the same first calls. A request
// Create would refuse is refused with the same error.
func (e *Engine) Estimate(req Request) (Estimate, error) {
	recips, byGroup, err := e.validate(&req)
	if err != nil {
		return Estimate{}, err
	}
	var calls []call
	err = e.db.View(func(tx *storage.Tx) error {
		if err := e.checkGroups(tx, req.Targets.Groups); err != nil {
			return err
		}
		calls, err = e.plan(tx, recips, byGroup)
		return err
	})
	if err != nil {
		return Estimate{}, err
	}
	est := Estimate{Recipients: len(recips), Paid: e.paid(req.Level, req.Kind)}
	if est.Paid {
		est.PaidMessages = privateCalls(calls)
	}
	est.Stars = Stars(est.PaidMessages)
	return est, nil
}

// Stars is what n paid messages cost, in Telegram Stars, rounded to the
// tenth of a Star Telegram charges in, so 3 messages cost 0.3 and not
// 0.30000000000000004.
func Stars(n int) float64 {
	return math.Round(float64(n)*config.StarsPerMessage*10) / 10
}

// paid reports whether the first calls of an alert of this level and kind
// go out by paid broadcast.
func (e *Engine) paid(level, kind string) bool {
	return e.cfg.Delivery.PaidBroadcast.Applies(level, kind)
}

// How a recipient is called when an alert is created.
const (
	routePrivate = iota // a call in their private chat
	routeGroup          // the one message in a work group
	routeUnbound        // not bound to a chat: unreachable
	routeBlocked        // bound, but the chat blocked the bot: unreachable
)

// call is how one recipient is called when an alert is created.
type call struct {
	official string
	route    int
	binding  storage.Binding // for routePrivate
}

// plan says how each recipient is called: Create follows it, Estimate
// counts it, so the estimate is what Create does.
func (e *Engine) plan(tx *storage.Tx, recips []string, byGroup map[string]string) ([]call, error) {
	out := make([]call, 0, len(recips))
	for _, o := range recips {
		c := call{official: o}
		b, err := tx.Binding(o)
		switch {
		case byGroup[o] != "":
			c.route = routeGroup
		case errors.Is(err, storage.ErrNotFound):
			c.route = routeUnbound
		case err != nil:
			return nil, err
		case b.Unreachable:
			c.route = routeBlocked
		default:
			c.route, c.binding = routePrivate, b
		}
		out = append(out, c)
	}
	return out, nil
}

// privateCalls counts the recipients called in their private chat.
func privateCalls(calls []call) int {
	n := 0
	for _, c := range calls {
		if c.route == routePrivate {
			n++
		}
	}
	return n
}
