// Package tencentfake is a local fake of the Tencent Cloud API that
// 电话叫应 uses: voice notifications (vms SendTtsVoice) and SMS (sms
// SendSms), spoken as API 3.0 (POST, X-TC-* headers, a TC3-HMAC-SHA256
// signature it verifies), so the official SDK with its endpoint pointed at
// loopback works against it unchanged. It records what it was asked to
// place, plays the callee (presses a key, lets it ring out, replies to an
// SMS) by posting Tencent's documented callbacks to dutybot, and refuses
// like Tencent does: a bad signature, too many requests in flight, a
// number over its frequency limit. Tests, the sandbox and the load tool
// use it; all methods are safe for concurrent use.
package tencentfake

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configures a Server.
type Options struct {
	// SecretID and SecretKey are the only credentials the server accepts.
	SecretID, SecretKey string
	// Concurrency is how many API requests may be in flight at once, as the
	// provider states for an account; one more is answered with
	// RequestLimitExceeded. 0 = no limit.
	Concurrency int
	// Latency is how long each API request takes before it is answered.
	Latency time.Duration
	// Clock tells the time for records, callbacks and frequency limits;
	// default time.Now. A signature's freshness is checked against the
	// wall clock, which the SDK stamps requests with.
	Clock func() time.Time
	// VoiceCallbackURL and SMSCallbackURL are where callbacks are posted,
	// as configured in Tencent's console (the token query included).
	VoiceCallbackURL, SMSCallbackURL string
	// Auto, if set, plays every callee the same way without a test's help.
	Auto *AutoAnswer
	// HTTPClient posts the callbacks; default a client with a 10 s timeout.
	HTTPClient *http.Client
	// PerNumberHour and PerNumberDay cap what one number is sent per hour
	// and per day, per product (calls and SMS counted apart), as Tencent's
	// frequency limits do. 0 = no cap.
	PerNumberHour, PerNumberDay int
}

// AutoAnswer plays every callee: after a delay each call is answered (with
// a key pressed, or none) or rings out, and each SMS is delivered.
type AutoAnswer struct {
	After    time.Duration // how long after the request the callee acts
	Key      string        // the key pressed; "" answers without one
	NoAnswer bool          // let every call ring out instead
	Deliver  bool          // send a delivery report for every SMS
}

// Server is a running fake. Create it with New and Close it when done.
type Server struct {
	opts   Options
	now    func() time.Time
	client *http.Client
	srv    *httptest.Server
	ctx    context.Context // canceled by Close: stops callee goroutines and held requests
	cancel context.CancelFunc
	wg     sync.WaitGroup // callee goroutines started by Auto

	inflight atomic.Int64

	mu       sync.Mutex
	closed   bool
	hold     chan struct{} // non-nil while Hold keeps admitted requests waiting
	calls    []*Call
	callByID map[string]*Call
	messages []*SMS
	smsBySN  map[string]*SMS
	sent     map[string][]time.Time // "vms|+86…" and "sms|+86…": when each number was sent to
	refused  map[string]int         // error codes answered, by code
	changed  chan struct{}          // closed and replaced when calls or messages change
}

// New starts a fake listening on 127.0.0.1 at a free port.
func New(opts Options) *Server {
	s := &Server{
		opts:     opts,
		now:      opts.Clock,
		client:   opts.HTTPClient,
		callByID: map[string]*Call{},
		smsBySN:  map[string]*SMS{},
		sent:     map[string][]time.Time{},
		refused:  map[string]int{},
		changed:  make(chan struct{}),
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.client == nil {
		s.client = &http.Client{Timeout: 10 * time.Second}
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveAPI))
	return s
}

// URL is the server's base URL, "http://127.0.0.1:port".
func (s *Server) URL() string { return s.srv.URL }

// Host is the server's "127.0.0.1:port", what the SDK's endpoint is set to.
func (s *Server) Host() string { return strings.TrimPrefix(s.srv.URL, "http://") }

// Close stops the server, its held requests and its callee goroutines.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.srv.Close()
	s.wg.Wait()
}

// InFlight is how many API requests are being answered now.
func (s *Server) InFlight() int { return int(s.inflight.Load()) }

// Hold keeps every API request admitted from now on waiting, counted in
// flight, until release is called: a test fills the concurrency limit
// with it without racing the clock.
func (s *Server) Hold() (release func()) {
	ch := make(chan struct{})
	s.mu.Lock()
	s.hold = ch
	s.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			if s.hold == ch {
				s.hold = nil
			}
			s.mu.Unlock()
			close(ch)
		})
	}
}

// Refusals counts the error codes the server answered API requests with
// (whole requests and single numbers of an SMS), by code.
func (s *Server) Refusals() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.refused))
	for k, v := range s.refused {
		out[k] = v
	}
	return out
}

// apiError is an error answer in API 3.0's shape.
type apiError struct {
	Code    string `json:"Code"`
	Message string `json:"Message"`
}

func errorf(code, format string, args ...any) *apiError {
	return &apiError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// action answers one API action: it decodes body and returns the
// "Response" object without its RequestId.
type action struct {
	service string
	version string
	handle  func(s *Server, body []byte) (map[string]any, *apiError)
}

var actions = map[string]action{
	"SendTtsVoice": {service: "vms", version: "2020-09-02", handle: (*Server).sendTtsVoice},
	"SendSms":      {service: "sms", version: "2021-01-11", handle: (*Server).sendSms},
}

// maxAPIBody bounds a request body; a SendSms to 200 numbers is far less.
const maxAPIBody = 1 << 20

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	requestID := newUUID()
	n := s.inflight.Add(1)
	defer s.inflight.Add(-1)
	if s.opts.Concurrency > 0 && n > int64(s.opts.Concurrency) {
		s.answerError(w, requestID, errorf("RequestLimitExceeded", "请求的次数超过了频率限制。 (more than %d requests in flight)", s.opts.Concurrency))
		return
	}
	s.mu.Lock()
	hold := s.hold
	s.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-s.ctx.Done():
		case <-r.Context().Done():
		}
	}
	if s.opts.Latency > 0 {
		t := time.NewTimer(s.opts.Latency)
		select {
		case <-t.C:
		case <-s.ctx.Done():
			t.Stop()
		case <-r.Context().Done():
			t.Stop()
		}
	}

	body, err := io.ReadAll(io.LimitReader(r.Body, maxAPIBody+1))
	if err != nil {
		s.answerError(w, requestID, errorf("InvalidParameter", "read the request body: %v", err))
		return
	}
	if len(body) > maxAPIBody {
		s.answerError(w, requestID, errorf("InvalidParameter", "the request body is over %d bytes", maxAPIBody))
		return
	}
	resp, aerr := s.dispatch(r, body)
	if aerr != nil {
		s.answerError(w, requestID, aerr)
		return
	}
	resp["RequestId"] = requestID
	writeJSON(w, requestID, map[string]any{"Response": resp})
}

// dispatch checks the request's method, headers and signature and runs
// its action.
func (s *Server) dispatch(r *http.Request, body []byte) (map[string]any, *apiError) {
	if r.Method != http.MethodPost {
		return nil, errorf("UnsupportedProtocol", "the fake takes POST with a JSON body, not %s", r.Method)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(strings.ToLower(ct), "application/json") {
		return nil, errorf("UnsupportedProtocol", "Content-Type %q: the fake takes application/json", ct)
	}
	name := r.Header.Get("X-TC-Action")
	if name == "" {
		return nil, errorf("MissingParameter", "The request is missing a required parameter `X-TC-Action`.")
	}
	if r.Header.Get("X-TC-Version") == "" {
		return nil, errorf("MissingParameter", "The request is missing a required parameter `X-TC-Version`.")
	}
	service, aerr := s.verify(r, body)
	if aerr != nil {
		return nil, aerr
	}
	a, ok := actions[name]
	if !ok || a.service != service {
		return nil, errorf("InvalidAction", "The action `%s` of service `%s` is not found.", name, service)
	}
	if v := r.Header.Get("X-TC-Version"); v != a.version {
		return nil, errorf("InvalidAction", "The action `%s` is not found in version `%s` (the fake speaks %s).", name, v, a.version)
	}
	if r.Header.Get("X-TC-Region") == "" {
		return nil, errorf("MissingParameter", "The request is missing a required parameter `X-TC-Region`.")
	}
	return a.handle(s, body)
}

func (s *Server) answerError(w http.ResponseWriter, requestID string, e *apiError) {
	s.mu.Lock()
	s.refused[e.Code]++
	s.mu.Unlock()
	// Tencent answers errors with status 200 and the error in the body.
	writeJSON(w, requestID, map[string]any{"Response": map[string]any{"Error": e, "RequestId": requestID}})
}

func writeJSON(w http.ResponseWriter, requestID string, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-TC-RequestId", requestID)
	_ = json.NewEncoder(w).Encode(v)
}

// decode reads an action's parameters strictly, as Tencent does: an
// unknown parameter is an error, not ignored.
func decode(body []byte, v any) *apiError {
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if strings.HasPrefix(err.Error(), "json: unknown field") {
			return errorf("UnknownParameter", "%v", err)
		}
		return errorf("FailedOperation.JsonParseFail", "parse the parameters: %v", err)
	}
	return nil
}

// changedLocked wakes the waiters of WaitCalls and WaitMessages; s.mu held.
func (s *Server) changedLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// overLimitLocked tells whether number may not be sent to again by
// product now (and records the send when it may); s.mu held.
func (s *Server) overLimitLocked(product, number string, now time.Time) (hour, day bool) {
	if s.opts.PerNumberHour <= 0 && s.opts.PerNumberDay <= 0 {
		return false, false
	}
	key := product + "|" + number
	var kept []time.Time
	inHour, inDay := 0, 0
	for _, t := range s.sent[key] {
		if now.Sub(t) < 24*time.Hour {
			kept = append(kept, t)
			inDay++
			if now.Sub(t) < time.Hour {
				inHour++
			}
		}
	}
	s.sent[key] = kept
	if s.opts.PerNumberHour > 0 && inHour >= s.opts.PerNumberHour {
		return true, false
	}
	if s.opts.PerNumberDay > 0 && inDay >= s.opts.PerNumberDay {
		return false, true
	}
	s.sent[key] = append(kept, now)
	return false, false
}

// newUUID returns a random id shaped like Tencent's call and request ids.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// e164 tells whether n is a number in E.164 form: "+", then 8 to 15 digits
// not starting with 0.
func e164(n string) bool {
	if len(n) < 9 || len(n) > 16 || n[0] != '+' || n[1] == '0' {
		return false
	}
	for _, c := range n[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// splitNumber splits an E.164 number into Tencent's nationcode and mobile.
func splitNumber(n string) (nationcode, mobile string) {
	n = strings.TrimPrefix(n, "+")
	for _, cc := range []string{"852", "853", "886", "86", "1"} {
		if strings.HasPrefix(n, cc) {
			return cc, n[len(cc):]
		}
	}
	if len(n) > 2 {
		return n[:2], n[2:]
	}
	return "", n
}
