package sandbox

import (
	"crypto/rand"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"dutybot/config"
	"dutybot/phone/tencentfake"
)

// The sandbox plays the phone too (电话叫应): the app places its call and
// sms steps through the real Tencent provider, pointed at a local fake of
// Tencent's API, and the page plays the callee (press 1, pick up and hang
// up, decline, reply to a text). Nothing is ever dialled for real: the
// fake stands in for whatever provider the configuration names.

// phoneLine is the fake phone network of a sandbox and what the page did
// with it.
type phoneLine struct {
	fake  *tencentfake.Server
	token string // the callback URLs' ?token=
	// secrets are the made-up credentials, kept out of the logs.
	secrets []string
	// instead is the provider the configuration named, which the fake
	// replaces; "" when it named none.
	instead string
	// added is the call step the sandbox gave the red alerts' policy,
	// when the configuration has no phone step of its own.
	added *addedStep

	mu      sync.Mutex
	acts    uint64            // calls and texts the page acted on, for the wait
	replied map[string]string // SMS serial number -> the text replied
	changed chan struct{}     // closed and replaced when the page acts
}

// addedStep is where a call step was added: a policy and its index.
type addedStep struct {
	Policy string
	Index  int
}

// fakePhone starts the fake of Tencent's API and points cfg's phone at
// it, with made-up credentials and a callback token of this run; the
// callback URLs follow once the sandbox listens (pointCallbacks). Whatever
// provider cfg names is replaced: a sandbox never places a real call.
func fakePhone(cfg *config.Config, added *addedStep) *phoneLine {
	l := &phoneLine{instead: cfg.Phone.Provider, added: added, replied: map[string]string{}, changed: make(chan struct{})}
	id, key := "AKIDsandbox"+randomHex(12), randomHex(20)
	l.token = randomHex(16)
	l.secrets = []string{id, key, l.token}
	// Callbacks go to the sandbox on loopback: no proxy from the environment.
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil}}
	l.fake = tencentfake.New(tencentfake.Options{SecretID: id, SecretKey: key, HTTPClient: client})

	p := &cfg.Phone
	p.Provider = config.ProviderTencent
	p.CallbackToken = l.token
	p.Webhook = config.PhoneWebhook{}
	t := &p.Tencent
	t.SecretID, t.SecretKey = id, key
	t.Endpoint, t.Scheme = l.fake.Host(), "http"
	if t.Region == "" {
		t.Region = "ap-guangzhou"
	}
	t.VoiceAppID, t.VoiceTemplateID = "1400"+randomDigits(6), randomDigits(6)
	t.SMSAppID, t.SMSTemplateID = "1400"+randomDigits(6), randomDigits(6)
	if t.SMSSign == "" {
		t.SMSSign = "dutybot"
	}
	if t.PlayTimes < 1 || t.PlayTimes > 3 {
		t.PlayTimes = config.DefaultPlayTimes
	}
	// An unused phone section is not validated: keep what a provider needs.
	if k := p.ConfirmKey; len(k) != 1 || k[0] < '0' || k[0] > '9' {
		p.ConfirmKey = config.DefaultConfirmKey
	}
	p.Concurrency = max(p.Concurrency, 1)
	p.Attempts = max(p.Attempts, 1)
	p.PerSecond = max(p.PerSecond, 0)
	lim := &p.Limits
	lim.CallsPerHour, lim.CallsPerDay = max(lim.CallsPerHour, 1), max(lim.CallsPerDay, 1)
	lim.SMSPerHour, lim.SMSPerDay = max(lim.SMSPerHour, 1), max(lim.SMSPerDay, 1)
	return l
}

// pointCallbacks gives the fake the sandbox's callback URLs, as a town
// enters them in Tencent's console; base is where the sandbox listens.
func (l *phoneLine) pointCallbacks(addr net.Addr) {
	host, port, _ := net.SplitHostPort(addr.String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1" // listening on every address: call back on loopback
	}
	base := "http://" + net.JoinHostPort(host, port) + "/callbacks/tencent/"
	l.fake.SetCallbackURLs(base+"voice?token="+l.token, base+"sms?token="+l.token)
}

// addCallStep gives the red alerts' policy a call to the silent recipient
// themself, when no policy has a call or sms step, so that a 叫应 story
// reaches the phone: just before the policy's first escalation, half-way
// from the step before it (half-way to the first step when the policy
// escalates at once; half as long again as the last step when it never
// escalates). It returns the step added, nil when none was. New calls it
// before SpeedUp, which divides the new step's timing with the others.
func addCallStep(cfg *config.Config) *addedStep {
	if cfg.UsesPhone() {
		return nil
	}
	name := cfg.Escalation.Levels["red"]
	steps := cfg.Escalation.Policies[name]
	if len(steps) == 0 {
		return nil
	}
	at := slices.IndexFunc(steps, func(s config.Step) bool { return s.Action == config.ActionEscalate })
	var after config.Duration
	switch {
	case at == 0:
		after = steps[0].After / 2
	case at < 0:
		at = len(steps)
		after = steps[at-1].After + steps[at-1].After/2
	default:
		after = steps[at-1].After + (steps[at].After-steps[at-1].After)/2
	}
	if (at > 0 && after <= steps[at-1].After) || (at < len(steps) && after >= steps[at].After) || after <= 0 {
		return nil // no room between the steps
	}
	cfg.Escalation.Policies[name] = slices.Insert(slices.Clone(steps), at,
		config.Step{After: after, Action: config.ActionCall, To: config.ToSelf})
	return &addedStep{Policy: name, Index: at}
}

// version counts what the panel shows changing: calls and texts placed,
// and the page's acts on them.
func (l *phoneLine) version() (v uint64, calls, texts int, changed chan struct{}) {
	calls, texts = len(l.fake.Calls()), len(l.fake.Messages())
	l.mu.Lock()
	defer l.mu.Unlock()
	return uint64(calls+texts) + l.acts, calls, texts, l.changed
}

// acted records an act of the page on a call or text.
func (l *phoneLine) acted() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.acts++
	close(l.changed)
	l.changed = make(chan struct{})
}

// reply records the reply to an SMS; false if it was answered already.
func (l *phoneLine) reply(serial, text string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.replied[serial]; ok {
		return false
	}
	l.replied[serial] = text
	return true
}

// unreply forgets a reply the sandbox refused, so it can be sent again.
func (l *phoneLine) unreply(serial string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.replied, serial)
}

func (l *phoneLine) repliedWith(serial string) (string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	t, ok := l.replied[serial]
	return t, ok
}

// describe is the banner's line on the phone, with cfg's timings.
func (l *phoneLine) describe(cfg *config.Config) string {
	out := "calls and SMS ring in the chat's phone panel (a local stand-in for Tencent Cloud)"
	if l.instead != "" {
		out += fmt.Sprintf("; it replaces the configured provider %q", l.instead)
	}
	if a := l.added; a != nil {
		out += fmt.Sprintf("\n            %s: the silent recipient's phone rings at %s (a call step the sandbox added)",
			a.Policy, cfg.Escalation.Policies[a.Policy][a.Index].After.D())
	}
	return out
}

// randomDigits is a made-up number of n digits, like the ids of an
// application and a template in Tencent's console.
func randomDigits(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	if b[0] == '0' {
		b[0] = '1'
	}
	return string(b)
}

// logPhone says in the log that the sandbox plays the phone, and what it
// changed in the configuration for that.
func (s *Sandbox) logPhone() {
	l := s.phone
	if l.instead != "" {
		s.log.Warn("sandbox: the sandbox plays the phone instead of the configured provider; nothing is dialled",
			"provider", l.instead)
	} else {
		s.log.Info("sandbox: the sandbox plays the phone; calls and SMS ring in the chat's phone panel")
	}
	if a := l.added; a != nil {
		s.log.Info("sandbox: the red alerts' policy rings the silent recipient's phone", "policy", a.Policy,
			"step", a.Index+1, "after", s.cfg.Escalation.Policies[a.Policy][a.Index].After.D())
	}
}
