package tencentfake

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// SMS is one number of a SendSms request the fake accepted.
type SMS struct {
	SerialNo       string // the fake's id, what SendStatusSet answered
	Number         string // the number as sent
	AppID          string // SmsSdkAppId
	Sign           string // SignName
	TemplateID     string
	Params         []string // TemplateParamSet
	SessionContext string
	At             time.Time // when the request came
	Delivered      bool      // a delivery report was posted
	// CallbackStatus is the HTTP status dutybot answered the last report
	// about this message with; 0 before one is posted.
	CallbackStatus int
}

type sendSmsRequest struct {
	PhoneNumberSet   []string
	SmsSdkAppId      string
	TemplateId       string
	SignName         string
	TemplateParamSet []string
	ExtendCode       string
	SessionContext   string
	SenderId         string
}

// sendStatus is one number's row of SendSms's answer.
type sendStatus struct {
	SerialNo       string `json:"SerialNo"`
	PhoneNumber    string `json:"PhoneNumber"`
	Fee            int    `json:"Fee"`
	SessionContext string `json:"SessionContext"`
	Code           string `json:"Code"`
	Message        string `json:"Message"`
	IsoCode        string `json:"IsoCode"`
}

// maxSMSNumbers is how many numbers one SendSms may name.
const maxSMSNumbers = 200

// sendSms answers sms SendSms: the request as a whole is validated like
// Tencent's, then each number gets its own row: sent ("Ok"), a bad
// number, or over its frequency limit.
func (s *Server) sendSms(body []byte) (map[string]any, *apiError) {
	var req sendSmsRequest
	if aerr := decode(body, &req); aerr != nil {
		return nil, aerr
	}
	switch {
	case len(req.PhoneNumberSet) == 0:
		return nil, errorf("MissingParameter.EmptyPhoneNumberSet", "PhoneNumberSet is empty.")
	case len(req.PhoneNumberSet) > maxSMSNumbers:
		return nil, errorf("LimitExceeded.PhoneNumberCountLimit", "PhoneNumberSet has %d numbers; at most %d.", len(req.PhoneNumberSet), maxSMSNumbers)
	case req.SmsSdkAppId == "":
		return nil, missing("SmsSdkAppId")
	case req.TemplateId == "":
		return nil, missing("TemplateId")
	}
	if req.SignName == "" {
		for _, n := range req.PhoneNumberSet {
			if strings.HasPrefix(n, "+86") {
				return nil, errorf("MissingParameter", "SignName is required for numbers of mainland China (%s).", n)
			}
		}
	}

	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errorf("InternalError", "the fake is closing")
	}
	rows := make([]sendStatus, 0, len(req.PhoneNumberSet))
	for _, n := range req.PhoneNumberSet {
		row := sendStatus{PhoneNumber: n, SessionContext: req.SessionContext, IsoCode: isoCode(n)}
		if !e164(n) {
			row.Code, row.Message = "InvalidParameterValue.IncorrectPhoneNumber", fmt.Sprintf("%s is not in E.164 form (+[country code][number])", n)
		} else if hour, day := s.overLimitLocked("sms", n, now); hour {
			row.Code, row.Message = "LimitExceeded.PhoneNumberOneHourLimit", "the number's one-hour frequency limit is reached"
		} else if day {
			row.Code, row.Message = "LimitExceeded.PhoneNumberDailyLimit", "the number's daily frequency limit is reached"
		}
		if row.Code != "" {
			s.refused[row.Code]++
			rows = append(rows, row)
			continue
		}
		m := &SMS{
			SerialNo:       newSerialNo(),
			Number:         n,
			AppID:          req.SmsSdkAppId,
			Sign:           req.SignName,
			TemplateID:     req.TemplateId,
			Params:         req.TemplateParamSet,
			SessionContext: req.SessionContext,
			At:             now,
		}
		s.messages = append(s.messages, m)
		s.smsBySN[m.SerialNo] = m
		row.SerialNo, row.Fee, row.Code, row.Message = m.SerialNo, 1, "Ok", "send success"
		rows = append(rows, row)
		if a := s.opts.Auto; a != nil && a.Deliver {
			s.wg.Go(func() {
				if s.sleep(a.After) {
					_, _ = s.Deliver(m.SerialNo)
				}
			})
		}
	}
	s.changedLocked()
	return map[string]any{"SendStatusSet": rows}, nil
}

// newSerialNo returns an id shaped like Tencent's SMS serial numbers
// ("2645:…").
func newSerialNo() string { return "2645:" + strings.ReplaceAll(newUUID(), "-", "") }

// isoCode names the country of a few numbering plans dutybot meets.
func isoCode(n string) string {
	switch cc, _ := splitNumber(n); cc {
	case "86":
		return "CN"
	case "852":
		return "HK"
	case "853":
		return "MO"
	case "886":
		return "TW"
	case "1":
		return "US"
	}
	return ""
}

// Messages returns every SMS accepted so far, oldest first.
func (s *Server) Messages() []SMS {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SMS, len(s.messages))
	for i, m := range s.messages {
		out[i] = *m
		out[i].Params = slices.Clone(m.Params)
	}
	return out
}

// WaitMessages waits until at least n SMS were accepted and returns them.
func (s *Server) WaitMessages(ctx context.Context, n int) ([]SMS, error) {
	for {
		s.mu.Lock()
		got, changed := len(s.messages), s.changed
		s.mu.Unlock()
		if got >= n {
			return s.Messages(), nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return s.Messages(), fmt.Errorf("wait for %d messages, have %d: %w", n, got, ctx.Err())
		}
	}
}
