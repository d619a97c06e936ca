package callout

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestResolve(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name    string
		targets Targets
		want    []string
		errHas  []string // non-empty: a *ValidationError containing these
	}{
		{name: "all", targets: Targets{All: true}, want: allOfficials},
		{name: "all with units is still everyone once", targets: Targets{All: true, Units: []string{"yjb"}},
			want: allOfficials},
		{name: "one unit", targets: Targets{Units: []string{"yjb"}},
			want: []string{"o-zhang", "o-li", "o-wu", "o-duty"}},
		{name: "units in config order", targets: Targets{Units: []string{"cgdd", "dzb"}},
			want: []string{"o-liu", "o-he", "o-duty2", "o-admin", "o-qian"}},
		{name: "officials in config order", targets: Targets{Officials: []string{"o-qian", "o-zhang"}},
			want: []string{"o-zhang", "o-qian"}},
		{name: "official listed twice", targets: Targets{Officials: []string{"o-he", "o-he"}},
			want: []string{"o-he"}},
		{name: "role duty_leader", targets: Targets{Roles: []string{"duty_leader"}},
			want: []string{"o-duty", "o-duty2"}},
		{name: "role staff includes a second role", targets: Targets{Roles: []string{"staff"}},
			want: []string{"o-zhang", "o-li", "o-duty2", "o-qian"}},
		{name: "union without duplicates",
			targets: Targets{Units: []string{"yjb"}, Officials: []string{"o-zhang", "o-he", "o-qian"},
				Roles: []string{"unit_head", "leader", "principal"}},
			want: []string{"o-zhang", "o-li", "o-wu", "o-liu", "o-he", "o-duty", "o-qian"}},
		{name: "unknown unit", targets: Targets{Units: []string{"yjb", "nosuch"}},
			errHas: []string{"targets.units", `"nosuch"`}},
		{name: "unknown official", targets: Targets{Officials: []string{"o-ghost"}},
			errHas: []string{"targets.officials", `"o-ghost"`}},
		{name: "unknown role", targets: Targets{Roles: []string{"boss"}},
			errHas: []string{"targets.roles", `"boss"`}},
		{name: "unknown unit with all", targets: Targets{All: true, Units: []string{"nosuch"}},
			errHas: []string{`"nosuch"`}},
		{name: "nothing given", targets: Targets{}, errHas: []string{"no official matches"}},
		{name: "empty unit", targets: Targets{Units: []string{"kong"}}, errHas: []string{"no official matches"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := f.e.Resolve(tt.targets)
			if len(tt.errHas) > 0 {
				var verr *ValidationError
				if !errors.As(err, &verr) {
					t.Fatalf("Resolve = %v, %v; want a *ValidationError", got, err)
				}
				for _, s := range tt.errHas {
					if !strings.Contains(verr.Reason, s) {
						t.Errorf("reason %q does not contain %q", verr.Reason, s)
					}
				}
				if got != nil {
					t.Errorf("recipients on error: %v", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Resolve = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	f := newFixture(t)
	long := func(n int) string { return strings.Repeat("警", n) }
	tests := []struct {
		name      string
		edit      func(r *Request)
		wantLevel string
		errHas    string // non-empty: a *ValidationError containing it
	}{
		{name: "valid", wantLevel: "red"},
		{name: "level upper case with spaces", edit: func(r *Request) { r.Level = "  RED \t" }, wantLevel: "red"},
		{name: "level mixed case", edit: func(r *Request) { r.Level = "Orange\n" }, wantLevel: "orange"},
		{name: "level blue", edit: func(r *Request) { r.Level = "blue" }, wantLevel: "blue"},
		{name: "level yellow", edit: func(r *Request) { r.Level = "YELLOW" }, wantLevel: "yellow"},
		{name: "unknown level", edit: func(r *Request) { r.Level = "purple" }, errHas: `level: "purple"`},
		{name: "chinese level is not accepted here", edit: func(r *Request) { r.Level = "红" }, errHas: "level:"},
		{name: "empty level", edit: func(r *Request) { r.Level = "" }, errHas: "level:"},
		{name: "empty title", edit: func(r *Request) { r.Title = "" }, errHas: "title: must not be empty"},
		{name: "blank title", edit: func(r *Request) { r.Title = " \n\t " }, errHas: "title: must not be empty"},
		{name: "title of 200 runes", edit: func(r *Request) { r.Title = long(200) }, wantLevel: "red"},
		{name: "title of 201 runes", edit: func(r *Request) { r.Title = long(201) }, errHas: "title: longer than 200"},
		{name: "title padded to 202 runes", edit: func(r *Request) { r.Title = " " + long(200) + " " }, wantLevel: "red"},
		{name: "body of 3000 runes", edit: func(r *Request) { r.Body = long(3000) }, wantLevel: "red"},
		{name: "body of 3001 runes", edit: func(r *Request) { r.Body = long(3001) }, errHas: "body: longer than 3000"},
		{name: "known issuer", edit: func(r *Request) { r.Issuer = "o-duty" }, wantLevel: "red"},
		{name: "unknown issuer", edit: func(r *Request) { r.Issuer = "o-ghost" }, errHas: `issuer: unknown official "o-ghost"`},
		{name: "bad targets", edit: func(r *Request) { r.Targets = Targets{Units: []string{"x"}} }, errHas: `unknown unit "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := Request{Level: "red", Title: " 暴雨红色预警 ", Body: " 请立即到岗 ", Targets: Targets{All: true}}
			if tt.edit != nil {
				tt.edit(&req)
			}
			got, err := f.e.Validate(&req)
			if tt.errHas != "" {
				var verr *ValidationError
				if !errors.As(err, &verr) {
					t.Fatalf("Validate = %v; want a *ValidationError", err)
				}
				if !strings.Contains(verr.Error(), tt.errHas) {
					t.Errorf("error %q does not contain %q", verr.Error(), tt.errHas)
				}
				return
			}
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if !slices.Equal(got, allOfficials) {
				t.Errorf("recipients = %v", got)
			}
			if req.Level != tt.wantLevel {
				t.Errorf("level = %q, want %q", req.Level, tt.wantLevel)
			}
			if req.Kind != "alert" {
				t.Errorf("kind = %q, want the default alert", req.Kind)
			}
			if req.Title != strings.TrimSpace(req.Title) || req.Body != strings.TrimSpace(req.Body) {
				t.Errorf("title/body not trimmed: %q %q", req.Title, req.Body)
			}
			if utf8.RuneCountInString(req.Title) > 200 {
				t.Errorf("title of %d runes accepted", utf8.RuneCountInString(req.Title))
			}
		})
	}
}

func TestValidateKeepsKind(t *testing.T) {
	f := newFixture(t)
	req := Request{Kind: "weather", Level: "blue", Title: "t", Targets: Targets{All: true}}
	if _, err := f.e.Validate(&req); err != nil {
		t.Fatal(err)
	}
	if req.Kind != "weather" {
		t.Errorf("kind = %q", req.Kind)
	}
}

func TestParseData(t *testing.T) {
	tests := []struct {
		data string
		want Press
		ok   bool
	}{
		{"ack:20261130-0001:o-zhang", Press{Action: "ack", Alert: "20261130-0001", Official: "o-zhang"}, true},
		{"hdl:20261130-0001:o-wu", Press{Action: "hdl", Alert: "20261130-0001", Official: "o-wu"}, true},
		{"cls:20261130-0001", Press{Action: "cls", Alert: "20261130-0001"}, true},
		{"", Press{}, false},
		{":", Press{}, false},
		{"::", Press{}, false},
		{"ack", Press{}, false},
		{"ack:20261130-0001", Press{}, false},
		{"ack:20261130-0001:", Press{}, false},
		{"ack::o-zhang", Press{}, false},
		{"ack:20261130-0001:o-zhang:extra", Press{}, false},
		{"ack:20261130-0001:o:zhang", Press{}, false},
		{"hdl:20261130-0001", Press{}, false},
		{"hdl::", Press{}, false},
		{"cls", Press{}, false},
		{"cls:", Press{}, false},
		{"cls:20261130-0001:o-he", Press{}, false},
		{"cls::", Press{}, false},
		{"ACK:20261130-0001:o-zhang", Press{}, false},
		{"nak:20261130-0001:o-zhang", Press{}, false},
		{"al:lvl:red", Press{}, false},
		{"lang:en", Press{}, false},
		{"😀", Press{}, false},
		{"ack:😀", Press{}, false},
		{"✅:20261130-0001:o-zhang", Press{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseData(tt.data)
		if ok != tt.ok || got != tt.want {
			t.Errorf("ParseData(%q) = %+v, %v; want %+v, %v", tt.data, got, ok, tt.want, tt.ok)
		}
	}
}

func TestButtonDataRoundTrip(t *testing.T) {
	id24 := strings.Repeat("x", 24) // config.MaxIDLen
	alertIDs := []string{"20261130-0001", "20261130-9999", "20261130-10000"}
	for _, alertID := range alertIDs {
		for _, official := range []string{"o-zhang", id24} {
			ack := AckData(alertID, official)
			if p, ok := ParseData(ack); !ok || p != (Press{Action: "ack", Alert: alertID, Official: official}) {
				t.Errorf("ParseData(AckData(%q, %q)) = %+v, %v", alertID, official, p, ok)
			}
			hdl := HandleData(alertID, official)
			if p, ok := ParseData(hdl); !ok || p != (Press{Action: "hdl", Alert: alertID, Official: official}) {
				t.Errorf("ParseData(HandleData(%q, %q)) = %+v, %v", alertID, official, p, ok)
			}
			for _, d := range []string{ack, hdl} {
				if len(d) > 64 {
					t.Errorf("%q is %d bytes; Telegram allows 64", d, len(d))
				}
			}
		}
		cls := CloseData(alertID)
		if p, ok := ParseData(cls); !ok || p != (Press{Action: "cls", Alert: alertID}) {
			t.Errorf("ParseData(CloseData(%q)) = %+v, %v", alertID, p, ok)
		}
	}
}

func TestAlertIDFitsButtonData(t *testing.T) {
	f := newFixture(t)
	a := f.create(Request{Level: "red", Title: "t", Targets: Targets{Officials: []string{"o-zhang"}}})
	if a.ID != "20261130-0001" {
		t.Errorf("first alert id = %q, want the local date and 0001", a.ID)
	}
	if d := AckData(a.ID, strings.Repeat("x", 24)); len(d) > 64 {
		t.Errorf("%q is %d bytes", d, len(d))
	}
}

func TestChain(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		to, recipient string
		want          []string
		reason        string
		passed        []string
	}{
		{"unit_head", "o-zhang", []string{"o-wu"}, "", nil},
		{"unit_head", "o-wu", nil, ReasonSelf, []string{"o-wu"}}, // the head is the recipient
		{"unit_head", "o-liu", []string{"o-he"}, "", nil},
		{"unit_head", "o-he", nil, ReasonSelf, []string{"o-he"}}, // head of their own unit
		{"unit_head", "o-qian", nil, ReasonNoTarget, nil},        // 城管大队 has no head
		{"unit_head", "o-duty2", []string{"o-he"}, "", nil},
		{"leader", "o-zhang", []string{"o-liu"}, "", nil},
		{"leader", "o-qian", []string{"o-liu"}, "", nil},
		{"leader", "o-liu", []string{"o-he"}, "", nil},
		{"leader", "o-he", nil, ReasonSelf, []string{"o-he"}},
		{"principal", "o-zhang", []string{"o-he"}, "", nil},
		{"principal", "o-he", nil, ReasonSelf, []string{"o-he"}},
		{"duty_leader", "o-zhang", []string{"o-duty", "o-duty2"}, "", nil},
		{"duty_leader", "o-duty", []string{"o-duty2"}, "", nil},
		{"duty_leader", "o-duty2", []string{"o-duty"}, "", nil},
		{"official:o-duty", "o-duty", nil, ReasonSelf, []string{"o-duty"}}, // a 带班领导's own check-in
		{"official:o-duty,o-li", "o-duty", []string{"o-li"}, "", nil},
		{"nobody", "o-zhang", nil, ReasonNoTarget, nil},
		{"unit_head", "o-ghost", nil, ReasonNoTarget, nil}, // unknown recipient: no unit
	}
	for _, tt := range tests {
		got, reason, passed := f.e.chain(tt.to, Recipient{Official: tt.recipient})
		if !slices.Equal(got, tt.want) || reason != tt.reason || !slices.Equal(passed, tt.passed) {
			t.Errorf("chain(%q, %q) = %v, %q, %v; want %v, %q, %v", tt.to, tt.recipient, got, reason, passed, tt.want, tt.reason, tt.passed)
		}
	}
	// Someone no longer in the directory escalates through the unit their
	// recipient record keeps.
	got, reason, _ := f.e.chain("unit_head", Recipient{Official: "o-ghost", Unit: "yjb"})
	if len(got) != 1 || reason != "" {
		t.Errorf("chain(unit_head) of a recipient gone from the directory, of yjb = %v, %q; want yjb's head", got, reason)
	}
}

// A target who ranks no higher than the recipient is passed over, and the
// step says so: a principal's unit head is not told of the principal's
// silence.
func TestChainNotHigher(t *testing.T) {
	yaml := strings.Replace(testYAML, "{id: dzb, name: 党政办, head: o-he, leader: o-he}", "{id: dzb, name: 党政办, head: o-admin, leader: o-liu}", 1)
	if yaml == testYAML {
		t.Fatal("the test configuration changed: dzb not found")
	}
	f := newFixtureYAML(t, yaml)
	got, reason, passed := f.e.chain("unit_head", Recipient{Official: "o-he"})
	if got != nil || reason != ReasonNotHigher || !slices.Equal(passed, []string{"o-admin"}) {
		t.Errorf("chain(unit_head, o-he) = %v, %q, %v", got, reason, passed)
	}
	got, reason, passed = f.e.chain("leader", Recipient{Official: "o-he"})
	if got != nil || reason != ReasonNotHigher || !slices.Equal(passed, []string{"o-liu"}) {
		t.Errorf("chain(leader, o-he) = %v, %q, %v", got, reason, passed)
	}
}
