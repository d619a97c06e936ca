// Package phone implements 电话叫应: the voice calls ("press 1 to confirm")
// and text messages that reach an official the chat does not. A step of
// an alert's escalation policy places them through a Provider (a cloud
// voice and SMS service, or a town's own gateway); what the provider
// reports afterwards (a key pressed, a call not picked up, an SMS reply)
// comes back as a Report and counts like a press of the chat's button.
package phone

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Kinds of message a provider carries.
const (
	KindCall = "call" // a voice notification read by text-to-speech
	KindSMS  = "sms"  // a short text message
)

// Request is one call or text message to place.
type Request struct {
	// ID is dutybot's own id of the call, unique and stable: providers
	// that echo a context (Tencent's SessionContext, the webhook's
	// call_id) carry it, and a call is never placed twice under one id.
	ID     string
	Kind   string // KindCall or KindSMS
	Number string // E.164: "+8613800001001"
	// Params fill the provider's approved template, in order:
	// {unit, title, level, alert id, confirm code}.
	Params []string
	// Text is the whole message as read or sent, for gateways that take
	// free text rather than a template.
	Text     string
	Alert    string // the alert's id
	Official string // the person called
	Code     string // what an SMS reply must contain to confirm
}

// Provider places calls and text messages.
type Provider interface {
	// Name is the provider's configured name ("tencent", "webhook").
	Name() string
	// Place asks the provider to place r and returns the provider's id of
	// the call or message, which its reports name. An error that is a
	// *RefusedError will not succeed if tried again; any other error
	// (a timeout, a 5xx) may.
	Place(ctx context.Context, r Request) (providerID string, err error)
}

// RefusedError is a provider's refusal of a request: a number it will not
// call, a template it does not know, its own frequency limit.
type RefusedError struct {
	Code    string // the provider's error code
	Message string
	// Limited: the provider's frequency limit for the number held it back.
	Limited bool
}

func (e *RefusedError) Error() string { return fmt.Sprintf("refused: %s: %s", e.Code, e.Message) }

// Results a provider reports.
const (
	ResultPressed   = "pressed"   // the confirm key was pressed during the call
	ResultAnswered  = "answered"  // picked up, heard it, pressed nothing (or another key)
	ResultNoAnswer  = "no_answer" // rang out, busy or rejected
	ResultFailed    = "failed"    // could not be placed or connected (switched off, bad number)
	ResultDelivered = "delivered" // an SMS reached the phone
	ResultReply     = "reply"     // an SMS reply came back (Text holds it)
)

// Report is what a provider tells of a call or message after placing it.
type Report struct {
	Provider   string // the provider's name
	ProviderID string // the provider's id of the call or message; "" for an SMS reply
	CallID     string // dutybot's Request.ID, when the provider echoes it
	Alert      string // the alert the report names (the webhook's path), "" if none
	Number     string // the number called, as the provider wrote it
	Result     string // Result…
	Key        string // the key pressed, for ResultPressed and ResultAnswered
	Text       string // an SMS reply's text
	At         time.Time
}

// Errors a Receiver answers reports with; the callback handlers refuse
// the request with them, and nothing changes.
var (
	ErrUnknownCall = errors.New("no call dutybot placed has this id")
	ErrBadReport   = errors.New("the report is malformed")
)

// Receiver applies the reports a provider's callbacks bring.
type Receiver interface {
	Report(ctx context.Context, r Report) error
}

// ReceiverFunc adapts a function to Receiver.
type ReceiverFunc func(ctx context.Context, r Report) error

// Report calls f.
func (f ReceiverFunc) Report(ctx context.Context, r Report) error { return f(ctx, r) }
