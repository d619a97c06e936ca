package config

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Phone step actions (电话叫应): a voice call read by text-to-speech, with
// a key to press to confirm, and a short text message.
const (
	ActionCall = "call"
	ActionSMS  = "sms"

	// ToSelf names the recipient themself as a phone step's target, the
	// default when a call or sms step names none.
	ToSelf = "self"
)

// PhoneActions are the step actions that reach a phone.
var PhoneActions = []string{ActionCall, ActionSMS}

// Phone providers.
const (
	ProviderTencent = "tencent"
	ProviderWebhook = "webhook"
)

// Environment variables the phone secrets are read from when no file is
// named.
const (
	EnvTencentSecretID  = "DUTYBOT_TENCENT_SECRET_ID"
	EnvTencentSecretKey = "DUTYBOT_TENCENT_SECRET_KEY"
	EnvPhoneCallback    = "DUTYBOT_PHONE_CALLBACK_TOKEN"
	EnvWebhookSecret    = "DUTYBOT_WEBHOOK_SECRET"
)

// Phone defaults: Tencent's own frequency limits for one number (voice and
// SMS alike allow a few an hour and ten a day), and a concurrency a
// provider's default account grants.
const (
	DefaultConfirmKey      = "1"
	DefaultPhoneConcurrent = 10
	DefaultCallsPerHour    = 3
	DefaultCallsPerDay     = 10
	DefaultSMSPerHour      = 5
	DefaultSMSPerDay       = 10
	DefaultPhoneAttempts   = 3
	DefaultPhoneRetryAfter = 10 * time.Second
	DefaultPlayTimes       = 2
)

// Phone configures 电话叫应: the provider that places calls and text
// messages for the escalation steps whose action is call or sms.
type Phone struct {
	// Provider is tencent, webhook, or "" (no phone steps).
	Provider string `yaml:"provider"`
	// Caller is who the call says it is from: "含谷镇应急办".
	Caller string `yaml:"caller"`
	// ConfirmKey is the key pressed, or the code replied, to confirm.
	ConfirmKey string `yaml:"confirm_key"`
	// Concurrency is how many requests may be in flight at the provider
	// (its stated concurrency); PerSecond caps the requests a second (0:
	// no cap besides Concurrency).
	Concurrency int     `yaml:"concurrency"`
	PerSecond   float64 `yaml:"per_second"`
	// Attempts is how often a request the provider did not answer (a
	// timeout, a 5xx) is tried, RetryAfter apart.
	Attempts   int         `yaml:"attempts"`
	RetryAfter Duration    `yaml:"retry_after"`
	Limits     PhoneLimits `yaml:"limits"`
	// CallbackTokenFile holds the shared secret the provider's callback
	// URLs carry (?token=…); else DUTYBOT_PHONE_CALLBACK_TOKEN.
	CallbackTokenFile string       `yaml:"callback_token_file"`
	CallbackToken     string       `yaml:"-"`
	Tencent           Tencent      `yaml:"tencent"`
	Webhook           PhoneWebhook `yaml:"webhook"`
}

// PhoneLimits caps the calls and texts one number gets; a step the limit
// holds back is recorded and shown, not placed later.
type PhoneLimits struct {
	CallsPerHour int `yaml:"calls_per_hour"`
	CallsPerDay  int `yaml:"calls_per_day"`
	SMSPerHour   int `yaml:"sms_per_hour"`
	SMSPerDay    int `yaml:"sms_per_day"`
}

// Tencent configures Tencent Cloud's 语音消息 (VMS) and SMS.
type Tencent struct {
	SecretIDFile  string `yaml:"secret_id_file"`
	SecretKeyFile string `yaml:"secret_key_file"`
	SecretID      string `yaml:"-"`
	SecretKey     string `yaml:"-"`
	Region        string `yaml:"region"`
	// Endpoint replaces the API's host (host:port), with Scheme: for a
	// private endpoint, or the sandbox's stand-in.
	Endpoint        string `yaml:"endpoint"`
	Scheme          string `yaml:"scheme"`
	VoiceAppID      string `yaml:"voice_app_id"`
	VoiceTemplateID string `yaml:"voice_template_id"`
	PlayTimes       int    `yaml:"play_times"`
	SMSAppID        string `yaml:"sms_app_id"`
	SMSSign         string `yaml:"sms_sign"`
	SMSTemplateID   string `yaml:"sms_template_id"`
}

// PhoneWebhook configures a town's own SMS/voice gateway.
type PhoneWebhook struct {
	URL        string `yaml:"url"`
	SecretFile string `yaml:"secret_file"`
	Secret     string `yaml:"-"`
}

// Enabled reports whether phone steps can be placed.
func (p Phone) Enabled() bool { return p.Provider != "" }

func defaultPhone() Phone {
	return Phone{ConfirmKey: DefaultConfirmKey, Concurrency: DefaultPhoneConcurrent, Attempts: DefaultPhoneAttempts,
		RetryAfter: Duration(DefaultPhoneRetryAfter),
		Limits: PhoneLimits{CallsPerHour: DefaultCallsPerHour, CallsPerDay: DefaultCallsPerDay,
			SMSPerHour: DefaultSMSPerHour, SMSPerDay: DefaultSMSPerDay},
		Tencent: Tencent{Region: "ap-guangzhou", Scheme: "https", PlayTimes: DefaultPlayTimes}}
}

// PhoneStepTarget is whom a call or sms step reaches: the recipient
// themself (ToSelf) or one of Targets.
func PhoneStepTarget(to string) string {
	if to == "" {
		return ToSelf
	}
	return to
}

// UsesPhone reports whether any escalation policy has a call or sms step.
func (c *Config) UsesPhone() bool {
	_, _, ok := c.firstPhoneStep()
	return ok
}

// firstPhoneStep finds the first call or sms step of the escalation
// policies: its key path and action.
func (c *Config) firstPhoneStep() (at, action string, ok bool) {
	for _, name := range slices.Sorted(mapKeys(c.Escalation.Policies)) {
		for i, s := range c.Escalation.Policies[name] {
			if slices.Contains(PhoneActions, s.Action) {
				return fmt.Sprintf("escalation.policies.%s[%d]", name, i), s.Action, true
			}
		}
	}
	return "", "", false
}

func (c *Config) validatePhone(e *errs) {
	p := c.Phone
	if at, action, ok := c.firstPhoneStep(); ok && !p.Enabled() {
		e.add(at+".action", "%q needs a phone provider: set phone.provider to %s or %s", action, ProviderTencent, ProviderWebhook)
	}
	if !p.Enabled() {
		return
	}
	switch p.Provider {
	case ProviderTencent:
		t := p.Tencent
		for _, f := range []struct{ key, val string }{{"voice_app_id", t.VoiceAppID}, {"voice_template_id", t.VoiceTemplateID},
			{"sms_app_id", t.SMSAppID}, {"sms_sign", t.SMSSign}, {"sms_template_id", t.SMSTemplateID}} {
			if f.val == "" {
				e.add("phone.tencent."+f.key, `"" is empty; copy it from Tencent Cloud's console`)
			}
		}
		if t.Scheme != "http" && t.Scheme != "https" {
			e.add("phone.tencent.scheme", "%q must be https (or http for a local stand-in)", t.Scheme)
		}
		if t.PlayTimes < 1 || t.PlayTimes > 3 {
			e.add("phone.tencent.play_times", "%d must be 1 to 3 (Tencent reads a message at most three times)", t.PlayTimes)
		}
	case ProviderWebhook:
		if u, err := url.Parse(p.Webhook.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			e.add("phone.webhook.url", "%q is not an http(s) URL of the gateway", p.Webhook.URL)
		}
	default:
		e.add("phone.provider", "%q is not a phone provider: use %s, %s, or leave it empty", p.Provider, ProviderTencent, ProviderWebhook)
	}
	if k := p.ConfirmKey; len(k) != 1 || !strings.Contains("0123456789", k) {
		e.add("phone.confirm_key", "%q must be one digit", k)
	}
	if p.Concurrency < 1 {
		e.add("phone.concurrency", "%d must be 1 or more", p.Concurrency)
	}
	if p.PerSecond < 0 {
		e.add("phone.per_second", "%v must be 0 (no cap) or more", p.PerSecond)
	}
	if p.Attempts < 1 {
		e.add("phone.attempts", "%d must be 1 or more", p.Attempts)
	}
	for _, l := range []struct {
		key string
		n   int
	}{{"calls_per_hour", p.Limits.CallsPerHour}, {"calls_per_day", p.Limits.CallsPerDay},
		{"sms_per_hour", p.Limits.SMSPerHour}, {"sms_per_day", p.Limits.SMSPerDay}} {
		if l.n < 1 {
			e.add("phone.limits."+l.key, "%d must be 1 or more", l.n)
		}
	}
}

// resolvePhoneSecrets reads the provider's credentials and the callback
// token from their files or environment variables.
func (c *Config) resolvePhoneSecrets(e *errs, getenv func(string) string) {
	p := &c.Phone
	if !p.Enabled() {
		return
	}
	p.CallbackToken, _ = readSecret(e, "phone.callback_token_file", p.CallbackTokenFile, EnvPhoneCallback, getenv)
	switch p.Provider {
	case ProviderTencent:
		var ok bool
		if p.Tencent.SecretID, ok = readSecret(e, "phone.tencent.secret_id_file", p.Tencent.SecretIDFile, EnvTencentSecretID, getenv); ok && p.Tencent.SecretID == "" {
			e.add("phone.tencent.secret_id_file", "empty and %s is not set", EnvTencentSecretID)
		}
		if p.Tencent.SecretKey, ok = readSecret(e, "phone.tencent.secret_key_file", p.Tencent.SecretKeyFile, EnvTencentSecretKey, getenv); ok && p.Tencent.SecretKey == "" {
			e.add("phone.tencent.secret_key_file", "empty and %s is not set", EnvTencentSecretKey)
		}
		if ok && p.CallbackToken == "" {
			e.add("phone.callback_token_file", "empty and %s is not set: Tencent's callbacks must carry it (?token=…) or dutybot refuses them", EnvPhoneCallback)
		}
	case ProviderWebhook:
		var ok bool
		if p.Webhook.Secret, ok = readSecret(e, "phone.webhook.secret_file", p.Webhook.SecretFile, EnvWebhookSecret, getenv); ok && p.Webhook.Secret == "" {
			e.add("phone.webhook.secret_file", "empty and %s is not set: the gateway's requests are signed with it", EnvWebhookSecret)
		}
	}
}
