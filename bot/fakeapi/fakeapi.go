// Package fakeapi is an in-process fake of the Telegram Bot API.
//
// A Server speaks the real wire format (multipart POST /bot<token>/<method>,
// {"ok":...} answers), so an unmodified github.com/go-telegram/bot client works
// against it via bot.WithServerURL(srv.URL()). It plays users (messages,
// contacts, documents, button presses), records what the bot sent, enforces
// Telegram-like flood control on request, charges paid broadcasts to a Stars
// balance and injects faults. All methods are safe for concurrent use.
package fakeapi

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-telegram/bot/models"
)

// Options configures a Server.
type Options struct {
	// Token is the bot token the server accepts; required.
	Token string
	// BotUsername is the bot's username without "@"; default "dutybot".
	BotUsername string
	// Limits enables Telegram-like flood control; nil enforces no rate limits.
	Limits *Limits
	// Now is the clock for message dates and rate limits; default time.Now.
	Now func() time.Time
	// Stars is the bot's balance for paid broadcasts (sends with
	// allow_paid_broadcast, PaidBroadcastFee each); nil = unlimited.
	Stars *Stars
}

// Stats counts requests and their outcomes.
type Stats struct {
	Requests     int   // every HTTP request to the Bot API, including failed ones
	Sent         int   // accepted sendMessage, sendDocument and sendPhoto calls
	Edited       int   // accepted editMessageText and editMessageReplyMarkup calls
	TooMany      int   // 429 answers (rate limits and injected faults)
	ServerErrors int   // 5xx answers
	Forbidden    int   // 403 answers
	BadRequests  int   // 400 answers
	Paid         int   // accepted sends made with allow_paid_broadcast
	StarsSpent   Stars // what those paid sends cost
}

// Server is a fake Telegram Bot API server backed by net/http/httptest.
type Server struct {
	token     string
	me        models.User
	now       func() time.Time
	limits    *Limits
	srv       *httptest.Server
	closed    chan struct{}
	closeOnce sync.Once

	mu         sync.Mutex
	users      map[int64]User
	chats      map[int64]*chat
	all        []*botMsg // every bot message in send order, deleted ones (dead of them) still among them
	dead       int
	updates    []update
	nextUpdate int64
	updWake    chan struct{} // closed and replaced when an update is queued
	changed    chan struct{} // closed when bot messages, answers or user messages change; nil until waited on (changedLocked)
	version    uint64        // counts those changes, for WaitChange
	polling    bool
	allowed    map[string]bool
	commands   map[string][]models.BotCommand
	requests   atomic.Int64   // Stats.Requests, counted before the lock
	calls      []atomic.Int64 // successful calls by apiMethod.index, for Count
	armed      atomic.Int32   // len(faults), so calls skip the lock without faults
	stats      Stats
	faults     []*Fault
	blocked    map[int64]bool
	queries    map[string]*query
	nextQuery  int64
	files      map[string]*file // by id
	filePaths  map[string]*file // by download path
	nextFile   int
	global     *bucket
	paid       *bucket
	stars      Stars // balance for paid broadcasts, if starsCap
	starsCap   bool  // the balance is limited (Options.Stars or SetStars)
}

// New starts a Server; it panics if opts.Token is empty.
func New(opts Options) *Server {
	if opts.Token == "" {
		panic("fakeapi: Options.Token is required")
	}
	if opts.BotUsername == "" {
		opts.BotUsername = "dutybot"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	botID := int64(1)
	if n, err := strconv.ParseInt(strings.SplitN(opts.Token, ":", 2)[0], 10, 64); err == nil && n > 0 {
		botID = n
	}
	s := &Server{
		token: opts.Token,
		me: models.User{
			ID:            botID,
			IsBot:         true,
			FirstName:     opts.BotUsername,
			Username:      opts.BotUsername,
			CanJoinGroups: true,
		},
		now:       opts.Now,
		closed:    make(chan struct{}),
		users:     map[int64]User{},
		chats:     map[int64]*chat{},
		updWake:   make(chan struct{}),
		commands:  map[string][]models.BotCommand{},
		calls:     make([]atomic.Int64, numMethods),
		blocked:   map[int64]bool{},
		queries:   map[string]*query{},
		files:     map[string]*file{},
		filePaths: map[string]*file{},
	}
	if opts.Limits != nil {
		l := *opts.Limits
		s.limits = &l
	}
	if opts.Stars != nil {
		s.stars, s.starsCap = *opts.Stars, true
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL returns the base URL (no trailing slash) for bot.WithServerURL.
func (s *Server) URL() string { return s.srv.URL }

// Close stops the server, ending pending long polls and stalled requests first.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closed)
		s.srv.Close()
	})
}

// BotUser returns the bot's own user as getMe reports it.
func (s *Server) BotUser() models.User { return s.me }

// apiError is a failed Bot API answer.
type apiError struct {
	code       int
	desc       string
	retryAfter int
	migrateTo  int64 // parameters.migrate_to_chat_id: the supergroup a group became
}

func badRequest(desc string) *apiError {
	return &apiError{code: http.StatusBadRequest, desc: "Bad Request: " + desc}
}

var (
	errForbiddenBlocked = &apiError{code: http.StatusForbidden, desc: "Forbidden: bot was blocked by the user"}
	errChatNotFound     = badRequest("chat not found")
	errNotFound         = &apiError{code: http.StatusNotFound, desc: "Not Found"}
)

// apiMethod is one implemented Bot API method.
type apiMethod struct {
	name  string
	fn    func(s *Server, r *http.Request, p params) (any, *apiError)
	index int // of its counter in Server.calls
}

// apiMethods finds a method by its name as spelled in the Bot API
// documentation, which is how clients send it, or in lower case.
var apiMethods = map[string]*apiMethod{}

// numMethods is the number of methods in apiMethods.
var numMethods int

func init() {
	for i, m := range []struct {
		name string
		fn   func(s *Server, r *http.Request, p params) (any, *apiError)
	}{
		{"getMe", (*Server).getMe},
		{"deleteWebhook", (*Server).deleteWebhook},
		{"getWebhookInfo", (*Server).getWebhookInfo},
		{"getUpdates", (*Server).getUpdates},
		{"setMyCommands", (*Server).setMyCommands},
		{"getMyCommands", (*Server).getMyCommands},
		{"deleteMyCommands", (*Server).deleteMyCommands},
		{"sendMessage", (*Server).sendMessage},
		{"editMessageText", (*Server).editMessageText},
		{"editMessageReplyMarkup", (*Server).editMessageReplyMarkup},
		{"answerCallbackQuery", (*Server).answerCallbackQuery},
		{"sendDocument", (*Server).sendDocument},
		{"sendPhoto", (*Server).sendPhoto},
		{"deleteMessage", (*Server).deleteMessage},
		{"sendChatAction", (*Server).sendChatAction},
		{"getFile", (*Server).getFile},
	} {
		am := &apiMethod{name: m.name, fn: m.fn, index: i}
		apiMethods[m.name] = am
		apiMethods[strings.ToLower(m.name)] = am
		numMethods = i + 1
	}
}

// lookupMethod finds a method by name, case-insensitively.
func lookupMethod(name string) (*apiMethod, bool) {
	if m, ok := apiMethods[name]; ok {
		return m, true
	}
	m, ok := apiMethods[strings.ToLower(name)]
	return m, ok
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if rest, ok := strings.CutPrefix(r.URL.Path, "/file/bot"); ok {
		s.serveFile(w, rest)
		return
	}
	s.requests.Add(1)
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	if !ok {
		s.writeError(w, errNotFound)
		return
	}
	token, name, _ := strings.Cut(rest, "/")
	name = strings.TrimPrefix(name, "test/")
	if token != s.token {
		s.writeError(w, &apiError{code: http.StatusUnauthorized, desc: "Unauthorized"})
		return
	}
	m, ok := lookupMethod(name)
	if !ok {
		s.writeError(w, errNotFound)
		return
	}
	p, aerr := parseParams(r)
	if aerr != nil {
		s.writeError(w, aerr)
		return
	}
	if f := s.takeFault(m.name, p); f != nil {
		if f.Delay > 0 {
			t := time.NewTimer(f.Delay)
			select {
			case <-t.C:
			case <-s.closed:
				t.Stop()
				s.writeError(w, &apiError{code: http.StatusBadGateway, desc: "Bad Gateway"})
				return
			}
		}
		if f.Code != 0 {
			s.writeError(w, faultError(f))
			return
		}
	}
	res, aerr := m.fn(s, r, p)
	if aerr != nil {
		s.writeError(w, aerr)
		return
	}
	s.calls[m.index].Add(1)
	writeJSON(w, http.StatusOK, answer{OK: true, Result: res})
}

// answer is a successful Bot API answer.
type answer struct {
	OK     bool `json:"ok"`
	Result any  `json:"result"`
}

// failure is a failed Bot API answer, its fields in the order of the
// sorted keys it was once written with.
type failure struct {
	Description string          `json:"description"`
	ErrorCode   int             `json:"error_code"`
	OK          bool            `json:"ok"`
	Parameters  *responseParams `json:"parameters,omitempty"`
}

// responseParams are the parameters of a failed answer.
type responseParams struct {
	MigrateToChatID int64 `json:"migrate_to_chat_id,omitempty"`
	RetryAfter      int   `json:"retry_after,omitempty"`
}

func (s *Server) writeError(w http.ResponseWriter, e *apiError) {
	s.mu.Lock()
	switch {
	case e.code == http.StatusTooManyRequests:
		s.stats.TooMany++
	case e.code == http.StatusForbidden:
		s.stats.Forbidden++
	case e.code == http.StatusBadRequest:
		s.stats.BadRequests++
	case e.code >= 500:
		s.stats.ServerErrors++
	}
	s.mu.Unlock()
	body := failure{Description: e.desc, ErrorCode: e.code}
	switch {
	case e.retryAfter > 0:
		body.Parameters = &responseParams{RetryAfter: e.retryAfter}
	case e.migrateTo != 0:
		body.Parameters = &responseParams{MigrateToChatID: e.migrateTo}
	}
	writeJSON(w, e.code, body)
}

// jsonType is the Content-Type of every answer, shared, never changed.
var jsonType = []string{"application/json"}

// errEncoding is the answer when a result cannot be encoded.
var errEncoding = []byte(`{"ok":false,"error_code":500,"description":"Internal Server Error: fakeapi cannot encode result"}`)

func writeJSON(w http.ResponseWriter, code int, v any) {
	buf := bodies.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 64<<10 {
			bodies.Put(buf)
		}
	}()
	data := errEncoding
	if err := json.NewEncoder(buf).Encode(v); err != nil {
		code = http.StatusInternalServerError
	} else {
		data = bytes.TrimSuffix(buf.Bytes(), []byte("\n")) // as json.Marshal writes it
	}
	w.Header()["Content-Type"] = jsonType
	w.WriteHeader(code)
	_, _ = w.Write(data)
}

// upload is a file sent in a multipart request.
type upload struct {
	name string
	data []byte
}

// params are the decoded parameters of one API call; nested values stay JSON text.
type params struct {
	v     map[string]string
	files map[string]upload // nil when the call uploads none
}

// smallBody is the largest request body read whole for parseForm; a
// bigger one (an upload) streams through mime/multipart.
const smallBody = 1 << 20

// bodies holds the buffers request bodies are read into, so that a
// request costs no new one.
var bodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// readCloser is a request body read on from another reader.
type readCloser struct {
	io.Reader
	io.Closer
}

// parseParams reads query, multipart, urlencoded or JSON parameters and drains the body.
func parseParams(r *http.Request) (params, *apiError) {
	p := params{v: make(map[string]string, 8)}
	if r.URL.RawQuery != "" {
		for k, vs := range r.URL.Query() {
			if len(vs) > 0 {
				p.v[k] = vs[0]
			}
		}
	}
	// Drain whatever is left so net/http notices when the client goes away.
	defer func() { _, _ = io.Copy(io.Discard, r.Body) }()
	ct := r.Header.Get("Content-Type")
	if boundary, ok := fastBoundary(ct); ok {
		buf := bodies.Get().(*bytes.Buffer)
		buf.Reset()
		defer func() {
			if buf.Cap() <= 64<<10 {
				bodies.Put(buf)
			}
		}()
		_, err := buf.ReadFrom(io.LimitReader(r.Body, smallBody+1))
		// Methods without parameters (getMe) send an empty body.
		if err == nil && (buf.Len() == 0 || buf.Len() <= smallBody && parseForm(buf.Bytes(), boundary, &p)) {
			return p, nil
		}
		// mime/multipart reads it all: what was read, then the rest.
		r.Body = readCloser{io.MultiReader(bytes.NewReader(buf.Bytes()), r.Body), r.Body}
	}
	mt, _, _ := mime.ParseMediaType(ct)
	switch mt {
	case "multipart/form-data":
		// Methods without parameters (getMe) send an empty body, which fails to parse.
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			return p, nil
		}
		defer func() { _ = r.MultipartForm.RemoveAll() }()
		for k, vs := range r.MultipartForm.Value {
			if len(vs) > 0 {
				p.v[k] = vs[0]
			}
		}
		for k, fhs := range r.MultipartForm.File {
			if len(fhs) == 0 {
				continue
			}
			f, err := fhs[0].Open()
			if err != nil {
				return p, badRequest("can't read file " + k)
			}
			data, err := io.ReadAll(f)
			_ = f.Close()
			if err != nil {
				return p, badRequest("can't read file " + k)
			}
			if p.files == nil {
				p.files = map[string]upload{}
			}
			p.files[k] = upload{name: fhs[0].Filename, data: data}
		}
	case "application/json":
		body, err := io.ReadAll(r.Body)
		if err != nil || len(strings.TrimSpace(string(body))) == 0 {
			return p, nil
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(body, &m); err != nil {
			return p, badRequest("can't parse JSON encoded request")
		}
		for k, raw := range m {
			var str string
			switch {
			case string(raw) == "null":
				continue
			case json.Unmarshal(raw, &str) == nil:
				p.v[k] = str
			default:
				p.v[k] = string(raw)
			}
		}
	default:
		if err := r.ParseForm(); err == nil {
			for k, vs := range r.PostForm {
				if len(vs) > 0 {
					p.v[k] = vs[0]
				}
			}
		}
	}
	return p, nil
}

func (p params) int64(k string) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(p.v[k]), 10, 64)
	return n, err == nil
}

func (p params) int(k string) (int, bool) {
	n, ok := p.int64(k)
	return int(n), ok
}

func (p params) bool(k string) bool {
	v := strings.ToLower(strings.TrimSpace(p.v[k]))
	return v == "true" || v == "1"
}

func (p params) chatID() (int64, *apiError) {
	if strings.TrimSpace(p.v["chat_id"]) == "" {
		return 0, badRequest("chat_id is empty")
	}
	id, ok := p.int64("chat_id")
	if !ok {
		return 0, errChatNotFound
	}
	return id, nil
}

func (p params) chatIDOrZero() int64 {
	id, _ := p.int64("chat_id")
	return id
}

func (p params) messageID() (int, *apiError) {
	id, ok := p.int("message_id")
	if !ok || id == 0 {
		return 0, badRequest("message identifier is not specified")
	}
	return id, nil
}
