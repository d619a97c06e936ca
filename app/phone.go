package app

import (
	"fmt"
	"log/slog"
	"net/http"

	"dutybot/config"
	"dutybot/phone"
	"dutybot/phone/tencent"
	"dutybot/phone/webhook"
)

// newPhoneProvider builds the configured phone provider; client carries
// its requests (nil: the provider's own).
func newPhoneProvider(cfg *config.Config, client *http.Client, log *slog.Logger) (phone.Provider, error) {
	p := cfg.Phone
	switch p.Provider {
	case config.ProviderTencent:
		t := p.Tencent
		prov, err := tencent.New(tencent.Config{SecretID: t.SecretID, SecretKey: t.SecretKey, Region: t.Region,
			Endpoint: t.Endpoint, Scheme: t.Scheme, VoiceAppID: t.VoiceAppID, VoiceTemplateID: t.VoiceTemplateID,
			PlayTimes: t.PlayTimes, SMSAppID: t.SMSAppID, SMSSign: t.SMSSign, SMSTemplateID: t.SMSTemplateID}, log)
		if err != nil {
			return nil, fmt.Errorf("phone.tencent: %w", err)
		}
		return prov, nil
	case config.ProviderWebhook:
		if client == nil {
			client = &http.Client{}
		}
		prov, err := webhook.New(webhook.Config{URL: p.Webhook.URL, Secret: []byte(p.Webhook.Secret), CallbackURL: cfg.HTTP.PublicURL}, client, log)
		if err != nil {
			return nil, fmt.Errorf("phone.webhook: %w", err)
		}
		return prov, nil
	}
	return nil, fmt.Errorf("phone.provider: %q is not a phone provider", p.Provider)
}

// phoneRoutes adds the paths the provider reports on: Tencent's callbacks
// (their URLs carry phone.callback_token_file's secret), or the gateway's
// signed acknowledgements.
func (a *App) phoneRoutes(mux *http.ServeMux) {
	if a.Phone == nil {
		return
	}
	p := a.Config.Phone
	switch p.Provider {
	case config.ProviderTencent:
		mux.Handle("POST /callbacks/tencent/voice", tencent.VoiceCallbackHandler(p.CallbackToken, a.Phone, a.log))
		mux.Handle("POST /callbacks/tencent/sms", tencent.SMSCallbackHandler(p.CallbackToken, a.Phone, a.log))
	case config.ProviderWebhook:
		mux.Handle("POST /api/v1/alerts/{id}/ack", webhook.AckHandler([]byte(p.Webhook.Secret), a.Phone, a.opts.Clock.Now, a.log))
	}
}
