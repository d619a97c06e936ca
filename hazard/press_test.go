package hazard

import (
	"errors"
	"testing"
	"time"

	"dutybot/storage"
)

func TestParsePress(t *testing.T) {
	tests := []struct {
		data string
		want Press
		ok   bool
	}{
		{"hz:fix:H20261130-01:1", Press{ActRectify, "H20261130-01", 1}, true},
		{"hz:ok:H20261130-01:2", Press{ActPass, "H20261130-01", 2}, true},
		{"hz:back:H20261130-01:2", Press{ActSendBack, "H20261130-01", 2}, true},
		{"hz:close:H20261130-01:3", Press{ActClose, "H20261130-01", 3}, true},
		{"hz:open:H20261130-01", Press{ActOpen, "H20261130-01", 0}, true},
		{"hz:pic:H20261130-01", Press{ActPhotos, "H20261130-01", 0}, true},
		{"hz:open:H20261130-01:1", Press{}, false},
		{"hz:fix:H20261130-01", Press{}, false},
		{"hz:fix:H20261130-01:x", Press{}, false},
		{"hz:fix:H20261130-01:-1", Press{}, false},
		{"hz:burn:H20261130-01:1", Press{}, false},
		{"hz:fix::1", Press{}, false},
		{"tp:fix:H20261130-01:1", Press{}, false},
	}
	for _, tt := range tests {
		got, ok := ParsePress(tt.data)
		if ok != tt.ok || got != tt.want {
			t.Errorf("ParsePress(%q) = %+v %v, want %+v %v", tt.data, got, ok, tt.want, tt.ok)
		}
		if ok && PressData(got.Action, Hazard{ID: got.ID, Round: got.Round}) != tt.data {
			t.Errorf("PressData does not give back %q", tt.data)
		}
	}
}

func TestParseDeadline(t *testing.T) {
	loc := t0.Location()
	now := time.Date(2026, 11, 30, 8, 0, 0, 0, loc)
	end := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 23, 59, 0, 0, loc) }
	tests := []struct {
		in   string
		want time.Time
		err  error
	}{
		{"7天", end(2026, 12, 7), nil},
		{"7 天", end(2026, 12, 7), nil},
		{"3天内", end(2026, 12, 3), nil},
		{"7d", end(2026, 12, 7), nil},
		{"30 days", end(2026, 12, 30), nil},
		{"30", end(2026, 12, 30), nil},
		{"12-10", end(2026, 12, 10), nil},
		{"12月10日", end(2026, 12, 10), nil},
		{"12月10号", end(2026, 12, 10), nil},
		{"12/10", end(2026, 12, 10), nil},
		{"11-30", end(2026, 11, 30), nil}, // today, until 23:59
		{"1-5", end(2027, 1, 5), nil},     // past this year: next year's
		{"11-29", end(2027, 11, 29), nil},
		{"2026-12-10", end(2026, 12, 10), nil},
		{"2026/12/10", end(2026, 12, 10), nil},
		{"2026年12月10日", end(2026, 12, 10), nil},
		{"2026-12-10 18:00", time.Date(2026, 12, 10, 18, 0, 0, 0, loc), nil},
		{"2026-11-29", time.Time{}, ErrDeadlinePast},
		{"2026-11-30 07:00", time.Time{}, ErrDeadlinePast},
		{"0天", time.Time{}, ErrDeadlinePast},
		{"400天", time.Time{}, ErrDeadlineFar},
		{"2028-01-01", time.Time{}, ErrDeadlineFar},
		{"2-30", time.Time{}, ErrNotADate},
		{"13-01", time.Time{}, ErrNotADate},
		{"2026-12-10 25:00", time.Time{}, ErrNotADate},
		{"下周", time.Time{}, ErrNotADate},
		{"", time.Time{}, ErrNotADate},
	}
	for _, tt := range tests {
		got, err := ParseDeadline(tt.in, now, loc)
		if !errors.Is(err, tt.err) || !got.Equal(tt.want) {
			t.Errorf("ParseDeadline(%q) = %v %v, want %v %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

// Check lets a step's button be used by whom the step itself allows, in
// the round and state it was sent in.
func TestCheckPress(t *testing.T) {
	f := newFixture(t)
	h := f.report(finding())
	fix := Press{ActRectify, h.ID, 1}
	tests := []struct {
		name     string
		official string
		p        Press
		h        func() Hazard
		want     error
	}{
		{"the supervisor reports the fix", "o-sun", fix, nil, nil},
		{"the 属地 head too", "o-chen", fix, nil, nil},
		{"an outsider may not", "o-qian", fix, nil, ErrForbidden},
		{"nobody may not", "", fix, nil, ErrForbidden},
		{"an outsider may open the card", "o-qian", Press{ActOpen, h.ID, 0}, nil, nil},
		{"but not see the photos", "o-qian", Press{ActPhotos, h.ID, 0}, nil, ErrForbidden},
		{"the supervisor sees the photos", "o-sun", Press{ActPhotos, h.ID, 0}, nil, nil},
		{"a recheck before the fix is stale", "o-zhang", Press{ActPass, h.ID, 1}, nil, ErrStale},
		{"a button of another round is stale", "o-sun", Press{ActRectify, h.ID, 2}, nil, ErrStale},
		{"the fixer may not recheck", "o-sun", Press{ActPass, h.ID, 1}, func() Hazard {
			x := h
			x.State, x.RectifiedBy = StateRectified, "o-sun"
			return x
		}, ErrSelfRecheck},
		{"nor send back", "o-sun", Press{ActSendBack, h.ID, 1}, func() Hazard {
			x := h
			x.State, x.RectifiedBy = StateRectified, "o-sun"
			return x
		}, ErrSelfRecheck},
		{"the finder may", "o-zhang", Press{ActSendBack, h.ID, 1}, func() Hazard {
			x := h
			x.State, x.RectifiedBy = StateRectified, "o-sun"
			return x
		}, nil},
		{"close after a pass", "o-chen", Press{ActClose, h.ID, 1}, func() Hazard {
			x := h
			x.State = StateRechecked
			return x
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := h
			if tt.h != nil {
				x = tt.h()
			}
			if err := f.s.Check(tt.official, tt.p, x); !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Errorf("Check = %v, want %v", err, tt.want)
			}
		})
	}
	// The buttons offered are those Check allows.
	if rows := f.s.Buttons("zh-CN", "o-sun", h); len(rows) != 1 || len(rows[0]) != 1 || rows[0][0].Data != PressData(ActRectify, h) {
		t.Errorf("the supervisor's buttons: %v", rows)
	}
	if rows := f.s.Buttons("zh-CN", "o-qian", h); rows != nil {
		t.Errorf("an outsider's buttons: %v", rows)
	}
}

// The enterprise's own responsible person may report the fix of their
// enterprise's hazard from the chat bound to them, in the round the
// button was sent in; anyone else, and any other step, is forbidden
// whatever the hazard's state, and Rectified checks the chat again.
func TestCheckPrincipal(t *testing.T) {
	f := newFixture(t)
	h := f.report(finding())
	other := h
	other.Enterprise = unknownEnt
	rectified := h
	rectified.State = StateRectified
	tests := []struct {
		name string
		chat int64
		p    Press
		h    Hazard
		want error
	}{
		{"the bound boss reports the fix", bossChat, Press{ActRectify, h.ID, 1}, h, nil},
		{"another chat may not", bossChat + 1, Press{ActRectify, h.ID, 1}, h, ErrForbidden},
		{"no chat may not", 0, Press{ActRectify, h.ID, 1}, h, ErrForbidden},
		{"not another enterprise's hazard", bossChat, Press{ActRectify, h.ID, 1}, other, ErrForbidden},
		{"nor another step", bossChat, Press{ActPass, h.ID, 1}, rectified, ErrForbidden},
		{"nor the card", bossChat, Press{ActOpen, h.ID, 0}, h, ErrForbidden},
		{"a button naming another hazard", bossChat, Press{ActRectify, "H20261130-99", 1}, h, ErrForbidden},
		{"another round is stale", bossChat, Press{ActRectify, h.ID, 2}, h, ErrStale},
		{"after the fix is stale", bossChat, Press{ActRectify, h.ID, 1}, rectified, ErrStale},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := f.s.CheckPrincipal(tt.chat, tt.p, tt.h); !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Errorf("CheckPrincipal = %v, want %v", err, tt.want)
			}
		})
	}
	if p, ok := f.s.Principal(h); !ok || p.Name != "李老板" || p.Chat != bossChat {
		t.Errorf("Principal = %+v, %v", p, ok)
	}

	// Rectified from another chat changes nothing; from the boss's, it is
	// recorded under the boss's name.
	if _, err := f.s.Rectified(h.ID, Rectification{By: storage.ActorEnterprise, Chat: bossChat + 1, Note: "好了", Photos: []string{"p"}}); !errors.Is(err, ErrForbidden) {
		t.Fatalf("from another chat: %v", err)
	}
	if st := f.hazard(h.ID).State; st != StateAssigned {
		t.Fatalf("a refused report left the hazard %s", st)
	}
	out, err := f.s.Rectified(h.ID, Rectification{By: storage.ActorEnterprise, Name: "李老板", Chat: bossChat, Note: "已接地", Photos: []string{"p"}})
	if err != nil || out.RectifiedBy != storage.ActorEnterprise || out.RectifiedName != "李老板" {
		t.Fatalf("from the boss's chat: %+v %v", out, err)
	}
}
