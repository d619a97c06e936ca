package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

func TestDecodeJSON(t *testing.T) {
	big := `{"title":"` + strings.Repeat("x", maxJSONBody) + `","level":"red"}`
	tests := []struct {
		name   string
		into   func() any
		body   string
		code   int    // 0: accepted
		reason string // in the error
	}{
		{"alert", alertReq, `{"title":"暴雨","level":"red","targets":{"all":true}}`, 0, ""},
		{"alert with trailing spaces", alertReq, "{\"title\":\"暴雨\"}\n \t\n", 0, ""},
		{"whitespace title left to the handler", alertReq, `{"title":"   "}`, 0, ""},
		{"text with zero-width inside", alertReq, `{"title":"暴\u200b雨","body":"a\tb\nc"}`, 0, ""},
		{"too big", alertReq, big, 413, "too large"},
		{"bad JSON", alertReq, `{"title":`, 400, "bad JSON"},
		{"trailing garbage", alertReq, `{"title":"x"}garbage`, 400, "more after the JSON value"},
		{"trailing brace", alertReq, `{"title":"x"}}`, 400, "more after the JSON value"},
		{"two objects", alertReq, `{"title":"x"} {"title":"y"}`, 400, "more after the JSON value"},
		{"unknown field", alertReq, `{"title":"x","urgent":1}`, 400, `unknown field "urgent"`},
		{"mis-cased field", alertReq, `{"Title":"x"}`, 400, `unknown field "Title"`},
		{"mis-cased field says which", alertReq, `{"TITLE":"x"}`, 400, `did you mean "title"`},
		{"mis-cased nested field", alertReq, `{"title":"x","targets":{"Units":["yjb"]}}`, 400, `unknown field "targets.Units"`},
		{"NUL title", alertReq, `{"title":"\u0000"}`, 400, "title: contains the control character U+0000"},
		{"NUL in a body", alertReq, `{"title":"x","body":"a\u0000b"}`, 400, "body: contains the control character"},
		{"escape in a unit", alertReq, `{"title":"x","targets":{"units":["yjb\u001b"]}}`, 400, "targets.units[0]: contains the control character"},
		{"zero-width title", alertReq, `{"title":"\u200b\u200d\ufeff"}`, 400, "title: has no visible characters"},
		{"zero-width body", alertReq, `{"title":"x","body":" \u200b \u2060 "}`, 400, "body: has no visible characters"},
		{"filler title", alertReq, `{"title":"\u3164\u3164"}`, 400, "title: has no visible characters"},
		{"incident mis-cased", incidentReq, `{"place":"x","Deaths":1}`, 400, `unknown field "Deaths"`},
		{"incident zero-width account", incidentReq, `{"place":"x","account":"\u200b"}`, 400, "account: has no visible characters"},
		{"incident number", incidentReq, `{"place":"x","deaths":1,"direct_loss_wan":12.5}`, 0, ""},
		{"update figures", func() any { return &IncidentUpdateRequest{} }, `{"deaths":2,"account":"续报"}`, 0, ""},
		{"reported trailing", func() any { return &ReportedRequest{} }, `{"to":"县应急管理局"} x`, 400, "more after"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tt.body))
			ok := decodeJSON(w, r, tt.into())
			if tt.code == 0 {
				if !ok {
					t.Fatalf("refused: %d %s", w.Code, w.Body)
				}
				return
			}
			if ok || w.Code != tt.code {
				t.Fatalf("ok = %v, status %d (%s), want %d", ok, w.Code, w.Body, tt.code)
			}
			var e errorBody
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || !strings.Contains(e.Error, tt.reason) {
				t.Errorf("error = %q (%v), want it to mention %q", e.Error, err, tt.reason)
			}
		})
	}
}

func alertReq() any    { return &AlertRequest{} }
func incidentReq() any { return &IncidentRequest{} }

func TestJSONFieldsPromotesEmbedded(t *testing.T) {
	type Inner struct {
		A string `json:"a"`
		B string `json:"b"`
	}
	type Outer struct {
		Inner
		B      string `json:"b"` // shadows Inner.B
		C      string `json:"c,omitempty"`
		D      string `json:"-"`
		E      string
		hidden string
	}
	got := jsonFields(reflect.TypeFor[Outer]())
	for _, name := range []string{"a", "b", "c", "E"} {
		if _, ok := got[name]; !ok {
			t.Errorf("no field %q in %v", name, got)
		}
	}
	if len(got) != 4 {
		t.Errorf("fields = %v", got)
	}
	if f := got["b"]; len(f.Index) != 1 {
		t.Errorf("b is the embedded one: %v", f.Index)
	}
	if f := got["a"]; len(f.Index) != 2 {
		t.Errorf("a has index %v, want the path through Inner", f.Index)
	}
	var o Outer
	w := httptest.NewRecorder()
	if decodeJSON(w, httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"a":"\u200b"}`)), &o) ||
		!strings.Contains(w.Body.String(), "a: has no visible") {
		t.Errorf("embedded field not checked: %s", w.Body)
	}
	_ = o.hidden
}
