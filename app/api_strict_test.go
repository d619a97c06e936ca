package app_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestAPIRefusesLooseJSON: the API used to answer "bad JSON" to a body
// over its limit, accept what followed the JSON value, match field names
// in any case, and create calls titled with a NUL or with nothing but
// zero-width characters.
func TestAPIRefusesLooseJSON(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	h.bind(uZhang)
	tests := []struct {
		name, path, body string
		code             int
		reason           string
	}{
		{"too big", "/api/v1/alerts", `{"title":"` + strings.Repeat("长", 30000) + `","level":"red","targets":{"all":true}}`,
			http.StatusRequestEntityTooLarge, "too large"},
		{"trailing garbage", "/api/v1/alerts", `{"title":"x","level":"red","targets":{"all":true}}garbage`,
			400, "more after the JSON value"},
		{"mis-cased field", "/api/v1/alerts", `{"Title":"x","level":"red","targets":{"all":true}}`,
			400, `unknown field "Title"`},
		{"mis-cased nested field", "/api/v1/alerts", `{"title":"x","level":"red","targets":{"ALL":true}}`,
			400, `unknown field "targets.ALL"`},
		{"NUL title", "/api/v1/alerts", `{"title":"\u0000","level":"red","targets":{"all":true}}`,
			400, "title: contains the control character U+0000"},
		{"zero-width title", "/api/v1/alerts", `{"title":"\u200b\u200b","level":"red","targets":{"all":true}}`,
			400, "title: has no visible characters"},
		{"blank title", "/api/v1/alerts", `{"title":" \u3000\t ","level":"red","targets":{"all":true}}`,
			400, "title"},
		{"zero-width body", "/api/v1/alerts", `{"title":"x","body":"\u200d\ufeff","level":"red","targets":{"all":true}}`,
			400, "body: has no visible characters"},
		{"incident trailing garbage", "/api/v1/incidents", `{"place":"x"}]`, 400, "more after the JSON value"},
		{"incident mis-cased", "/api/v1/incidents", `{"Place":"x"}`, 400, `unknown field "Place"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := h.on(t)
			code, out := h.apiDo("POST", tt.path, testAPIToken, tt.body)
			if code != tt.code {
				t.Fatalf("status = %d (%v), want %d", code, out, tt.code)
			}
			if msg, _ := out["error"].(string); !strings.Contains(msg, tt.reason) {
				t.Errorf("error = %q, want it to mention %q", msg, tt.reason)
			}
		})
	}
	h.srv.SendText(uZhang, "/status")
	h.waitMsg(uZhang, "当前没有进行中的叫应")
	if n := len(h.srv.Messages(uZhang)); n != 3 { // the binding's two and /status
		t.Errorf("张明 got %d messages, want no call", n)
	}
}
