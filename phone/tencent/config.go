package tencent

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Config is a Tencent Cloud account's voice (VMS) and SMS settings.
// Either product may be left out; at least one is needed.
type Config struct {
	SecretID  string
	SecretKey string // never logged nor quoted in errors
	Region    string // default "ap-guangzhou"
	// Endpoint overrides the host[:port] both products are sent to (a
	// proxy, or the local fake); "" uses the SDK's hosts
	// (vms.tencentcloudapi.com, sms.tencentcloudapi.com).
	Endpoint string
	Scheme   string // "https" (default), or "http" for the fake

	VoiceAppID      string // VoiceSdkAppid
	VoiceTemplateID string
	// PlayTimes is how often the message is read in one call, 1 to 3;
	// default 2: read, then repeated once for whoever missed the start.
	PlayTimes int

	SMSAppID      string // SmsSdkAppId
	SMSSign       string // the approved signature's text, e.g. "某某镇应急办"
	SMSTemplateID string

	Timeout time.Duration // per request; default 10 s
}

// Defaults filled in by New.
const (
	DefaultRegion    = "ap-guangzhou"
	DefaultPlayTimes = 2
	DefaultTimeout   = 10 * time.Second
)

// withDefaults returns c completed and checked; the error names the first
// missing or wrong field.
func (c Config) withDefaults() (Config, error) {
	if c.Region == "" {
		c.Region = DefaultRegion
	}
	if c.Scheme == "" {
		c.Scheme = "https"
	}
	if c.PlayTimes == 0 {
		c.PlayTimes = DefaultPlayTimes
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	switch {
	case c.SecretID == "":
		return c, errors.New("tencent: SecretID is missing")
	case c.SecretKey == "":
		return c, errors.New("tencent: SecretKey is missing")
	case c.Scheme != "https" && c.Scheme != "http":
		return c, fmt.Errorf("tencent: Scheme %q: want https or http", c.Scheme)
	case strings.Contains(c.Endpoint, "/"):
		return c, fmt.Errorf("tencent: Endpoint %q: want host[:port], without a scheme or path", c.Endpoint)
	case c.PlayTimes < 1 || c.PlayTimes > 3:
		return c, fmt.Errorf("tencent: PlayTimes %d: want 1 to 3", c.PlayTimes)
	case c.Timeout < 0:
		return c, fmt.Errorf("tencent: Timeout %v is negative", c.Timeout)
	}
	voice, err := group("voice", field{"VoiceAppID", c.VoiceAppID}, field{"VoiceTemplateID", c.VoiceTemplateID})
	if err != nil {
		return c, err
	}
	sms, err := group("SMS", field{"SMSAppID", c.SMSAppID}, field{"SMSSign", c.SMSSign}, field{"SMSTemplateID", c.SMSTemplateID})
	if err != nil {
		return c, err
	}
	if !voice && !sms {
		return c, errors.New("tencent: neither voice (VoiceAppID, VoiceTemplateID) nor SMS (SMSAppID, SMSSign, SMSTemplateID) is configured")
	}
	return c, nil
}

type field struct{ name, value string }

// group tells whether a product's fields are all set; some set and some
// not is an error naming the first missing one.
func group(product string, fields ...field) (bool, error) {
	var names, unset []string
	for _, f := range fields {
		names = append(names, f.name)
		if f.value == "" {
			unset = append(unset, f.name)
		}
	}
	if len(unset) > 0 && len(unset) < len(fields) {
		return false, fmt.Errorf("tencent: %s is missing (%s needs all of %s)", unset[0], product, strings.Join(names, ", "))
	}
	return len(unset) == 0, nil
}

// LogValue shows the configuration without the secret key.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("secret_id", c.SecretID),
		slog.String("region", c.Region),
		slog.String("endpoint", c.Endpoint),
		slog.String("voice_app_id", c.VoiceAppID),
		slog.String("voice_template_id", c.VoiceTemplateID),
		slog.String("sms_app_id", c.SMSAppID),
		slog.String("sms_template_id", c.SMSTemplateID),
	)
}

// String shows the configuration without the secret key, so that a
// Config printed with %v does not leak it.
func (c Config) String() string {
	return fmt.Sprintf("tencent.Config{SecretID:%s Region:%s Endpoint:%s VoiceAppID:%s SMSAppID:%s}", c.SecretID, c.Region, c.Endpoint, c.VoiceAppID, c.SMSAppID)
}
