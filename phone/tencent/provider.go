// Package tencent places 电话叫应's voice calls and text messages through
// Tencent Cloud (语音消息 VMS: SendTtsVoice; 短信 SMS: SendSms) with the
// official SDK, and turns Tencent's callbacks (a key pressed, a call not
// picked up, an SMS reply or delivery report) into phone.Reports.
package tencent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"

	"dutybot/phone"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
	vms "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vms/v20200902"
)

// Name is the provider's name in reports and configuration.
const Name = "tencent"

// Provider places calls and SMS through one Tencent Cloud account.
type Provider struct {
	cfg Config
	log *slog.Logger
	vms *vms.Client    // nil when voice is not configured
	sms *common.Client // nil when SMS is not configured
}

var _ phone.Provider = (*Provider)(nil)

// New checks cfg, fills its defaults and makes the SDK's clients.
func New(cfg Config, log *slog.Logger) (*Provider, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &Provider{cfg: cfg, log: log.With("provider", Name)}
	cred := common.NewCredential(cfg.SecretID, cfg.SecretKey)
	if cfg.VoiceAppID != "" {
		if p.vms, err = vms.NewClient(cred, cfg.Region, p.profile()); err != nil {
			return nil, fmt.Errorf("tencent: voice client: %w", err)
		}
	}
	if cfg.SMSAppID != "" {
		p.sms = common.NewCommonClient(cred, cfg.Region, p.profile())
	}
	return p, nil
}

// profile is a fresh client profile for one SDK client: the SDK keeps a
// pointer to it.
func (p *Provider) profile() *profile.ClientProfile {
	cp := profile.NewClientProfile()
	cp.HttpProfile.Scheme = strings.ToUpper(p.cfg.Scheme)
	cp.HttpProfile.Endpoint = p.cfg.Endpoint
	cp.HttpProfile.ReqTimeout = int(math.Ceil(p.cfg.Timeout.Seconds()))
	return cp
}

// Name is "tencent".
func (p *Provider) Name() string { return Name }

// Place sends r: a voice notification (SendTtsVoice) for phone.KindCall,
// an SMS (SendSms) for phone.KindSMS. It returns Tencent's CallId or
// SerialNo, which the callbacks name.
func (p *Provider) Place(ctx context.Context, r phone.Request) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	switch r.Kind {
	case phone.KindCall:
		return p.call(ctx, r)
	case phone.KindSMS:
		return p.text(ctx, r)
	}
	return "", &phone.RefusedError{Code: "dutybot.UnknownKind", Message: fmt.Sprintf("request %s: kind %q is neither call nor sms", r.ID, r.Kind)}
}

func (p *Provider) call(ctx context.Context, r phone.Request) (string, error) {
	if p.vms == nil {
		return "", &phone.RefusedError{Code: "dutybot.NotConfigured", Message: "no voice app is configured for tencent"}
	}
	req := vms.NewSendTtsVoiceRequest()
	req.TemplateId = &p.cfg.VoiceTemplateID
	req.CalledNumber = &r.Number
	req.VoiceSdkAppid = &p.cfg.VoiceAppID
	req.TemplateParamSet = stringPtrs(r.Params)
	playTimes := uint64(p.cfg.PlayTimes)
	req.PlayTimes = &playTimes
	req.SessionContext = &r.ID
	resp, err := p.vms.SendTtsVoiceWithContext(ctx, req)
	if err != nil {
		return "", p.failed(r, "SendTtsVoice", err)
	}
	if resp.Response == nil || resp.Response.SendStatus == nil || resp.Response.SendStatus.CallId == nil || *resp.Response.SendStatus.CallId == "" {
		return "", fmt.Errorf("tencent SendTtsVoice %s: the answer has no CallId", r.ID)
	}
	id := *resp.Response.SendStatus.CallId
	p.log.Debug("call placed", "call", r.ID, "alert", r.Alert, "callid", id)
	return id, nil
}

func (p *Provider) text(ctx context.Context, r phone.Request) (string, error) {
	if p.sms == nil {
		return "", &phone.RefusedError{Code: "dutybot.NotConfigured", Message: "no SMS app is configured for tencent"}
	}
	req := newSendSmsRequest()
	req.PhoneNumberSet = []*string{&r.Number}
	req.SmsSdkAppId = &p.cfg.SMSAppID
	req.SignName = &p.cfg.SMSSign
	req.TemplateId = &p.cfg.SMSTemplateID
	req.TemplateParamSet = stringPtrs(r.Params)
	req.SessionContext = &r.ID
	resp, err := sendSms(ctx, p.sms, req)
	if err != nil {
		return "", p.failed(r, "SendSms", err)
	}
	if resp.Response == nil || len(resp.Response.SendStatusSet) == 0 {
		return "", fmt.Errorf("tencent SendSms %s: the answer has no SendStatusSet", r.ID)
	}
	st := resp.Response.SendStatusSet[0]
	if st.Code != "Ok" {
		err := &phone.RefusedError{Code: st.Code, Message: st.Message, Limited: limited(st.Code)}
		p.log.Warn("sms refused", "call", r.ID, "alert", r.Alert, "code", st.Code, "message", st.Message)
		return "", fmt.Errorf("tencent SendSms %s: %w", r.ID, err)
	}
	p.log.Debug("sms sent", "call", r.ID, "alert", r.Alert, "serial", st.SerialNo)
	return st.SerialNo, nil
}

// failed classifies an SDK error: what Tencent will refuse again is a
// *phone.RefusedError; the API's own rate limit, its internal errors,
// the network and timeouts may pass on a later try.
func (p *Provider) failed(r phone.Request, action string, err error) error {
	var sdk *tcerr.TencentCloudSDKError
	if errors.As(err, &sdk) && refused(sdk.Code) {
		p.log.Warn("request refused", "action", action, "call", r.ID, "alert", r.Alert, "code", sdk.Code, "message", sdk.Message, "request_id", sdk.RequestId)
		return fmt.Errorf("tencent %s %s: %w", action, r.ID, &phone.RefusedError{Code: sdk.Code, Message: sdk.Message, Limited: limited(sdk.Code)})
	}
	p.log.Warn("request failed", "action", action, "call", r.ID, "alert", r.Alert, "err", err)
	if errors.As(err, &sdk) && sdk.Code == "ClientError.NetworkError" && timedOut(sdk.Message) {
		// The SDK words a timeout as a network error: say it is one, for
		// the request may have been taken and must not be placed again.
		err = errors.Join(err, context.DeadlineExceeded)
	}
	return fmt.Errorf("tencent %s %s: %w", action, r.ID, err)
}

// limited tells whether code is Tencent's frequency limit for a number or
// an app (LimitExceeded.PhoneNumberOneHourLimit, …DailyLimit…).
func limited(code string) bool { return strings.HasPrefix(code, "LimitExceeded.") }

// refused tells whether code will be answered again if the request is
// tried again.
func refused(code string) bool {
	if limited(code) {
		return true
	}
	for _, prefix := range []string{"AuthFailure", "UnauthorizedOperation", "InvalidParameter", "MissingParameter", "FailedOperation", "UnsupportedOperation", "UnknownParameter", "InvalidAction"} {
		if code == prefix || strings.HasPrefix(code, prefix+".") || (prefix == "InvalidParameter" && strings.HasPrefix(code, "InvalidParameterValue")) {
			return true
		}
	}
	return false
}

func stringPtrs(ss []string) []*string {
	out := make([]*string, len(ss))
	for i := range ss {
		out[i] = &ss[i]
	}
	return out
}

// timedOut tells whether the SDK's words for a network error say the
// answer did not come in time (the context's deadline, the HTTP client's
// timeout) rather than that the request never went (a refused connection).
func timedOut(msg string) bool {
	msg = strings.ToLower(msg)
	return strings.Contains(msg, "deadline exceeded") || strings.Contains(msg, "timeout")
}
