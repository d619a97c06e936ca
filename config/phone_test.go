package config

import (
	"strings"
	"testing"
)

// phoneBlock names a Tencent provider completely.
const phoneBlock = `phone:
  provider: tencent
  tencent: {voice_app_id: "1400000000", voice_template_id: "1", sms_app_id: "1400000001", sms_sign: 含谷镇, sms_template_id: "2"}
`

func TestPhoneValidation(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		want []string
	}{
		{"call step without a provider", base + "escalation:\n  policies:\n    red: [{after: 1m, action: call}]\n  levels: {blue: red, yellow: red, orange: red, red: red}\n",
			[]string{`escalation.policies.red[0].action: "call" needs a phone provider: set phone.provider to tencent or webhook`}},
		{"call step to nobody known", base + phoneBlock + "escalation:\n  policies:\n    red: [{after: 1m, action: sms, to: mayor}]\n  levels: {blue: red, yellow: red, orange: red, red: red}\n",
			[]string{`escalation.policies.red[0].to: "mayor" is not self (the recipient, the default) or one of unit_head, leader, principal, duty_leader`}},
		{"unknown provider", base + "phone: {provider: twilio}\n",
			[]string{`phone.provider: "twilio" is not a phone provider: use tencent, webhook, or leave it empty`}},
		{"tencent without its ids", base + "phone: {provider: tencent}\n",
			[]string{`phone.tencent.voice_app_id: "" is empty`, `phone.tencent.voice_template_id: "" is empty`, `phone.tencent.sms_app_id: "" is empty`,
				`phone.tencent.sms_sign: "" is empty`, `phone.tencent.sms_template_id: "" is empty`}},
		{"tencent plays at most three times", base + strings.Replace(phoneBlock, `sms_template_id: "2"`, `sms_template_id: "2", play_times: 5`, 1),
			[]string{`phone.tencent.play_times: 5 must be 1 to 3`}},
		{"webhook without a URL", base + "phone: {provider: webhook}\n",
			[]string{`phone.webhook.url: "" is not an http(s) URL of the gateway`}},
		{"confirm key", base + phoneBlock + "  confirm_key: '#'\n",
			[]string{`phone.confirm_key: "#" must be one digit`}},
		{"limits", base + phoneBlock + "  concurrency: 0\n  limits: {calls_per_hour: 0}\n",
			[]string{`phone.concurrency: 0 must be 1 or more`, `phone.limits.calls_per_hour: 0 must be 1 or more`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.doc))
			wantProblems(t, err, c.want...)
		})
	}
	// A complete configuration passes, with the steps that use it.
	doc := base + phoneBlock + "escalation:\n  policies:\n    red: [{after: 1m, action: call}, {after: 2m, action: sms, to: unit_head}, {after: 3m, action: escalate, to: leader}]\n  levels: {blue: red, yellow: red, orange: red, red: red}\n"
	cfg, err := Parse([]byte(doc))
	if err != nil {
		t.Fatalf("a complete phone configuration: %v", err)
	}
	if p := cfg.Phone; p.ConfirmKey != "1" || p.Concurrency != DefaultPhoneConcurrent || p.Tencent.PlayTimes != 2 || p.Limits.CallsPerDay != DefaultCallsPerDay {
		t.Errorf("defaults not applied: %+v", p)
	}
}

func TestPhoneSecrets(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	cases := []struct {
		name     string
		provider string
		env      map[string]string
		want     []string
	}{
		{"tencent from the environment", ProviderTencent, map[string]string{EnvTelegramToken: "1:a", EnvTencentSecretID: "AKID", EnvTencentSecretKey: "key-secret", EnvPhoneCallback: "cb-secret"}, nil},
		{"tencent without credentials", ProviderTencent, map[string]string{EnvTelegramToken: "1:a"},
			[]string{`phone.tencent.secret_id_file: empty and DUTYBOT_TENCENT_SECRET_ID is not set`,
				`phone.tencent.secret_key_file: empty and DUTYBOT_TENCENT_SECRET_KEY is not set`,
				`phone.callback_token_file: empty and DUTYBOT_PHONE_CALLBACK_TOKEN is not set`}},
		{"webhook without its secret", ProviderWebhook, map[string]string{EnvTelegramToken: "1:a"},
			[]string{`phone.webhook.secret_file: empty and DUTYBOT_WEBHOOK_SECRET is not set`}},
		{"off needs nothing", "", map[string]string{EnvTelegramToken: "1:a"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := &Config{Phone: defaultPhone()}
			cfg.Phone.Provider = c.provider
			err := cfg.ResolveSecrets(env(c.env))
			wantProblems(t, err, c.want...)
			if err != nil && (strings.Contains(err.Error(), "key-secret") || strings.Contains(err.Error(), "cb-secret")) {
				t.Errorf("error reveals a secret: %v", err)
			}
			if c.want == nil && c.provider == ProviderTencent && (cfg.Phone.Tencent.SecretKey != "key-secret" || cfg.Phone.CallbackToken != "cb-secret") {
				t.Errorf("secrets not read: %+v", cfg.Phone)
			}
		})
	}
}
