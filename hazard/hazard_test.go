package hazard

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"dutybot/callout"
	"dutybot/storage"
)

// The loop from 发现 to 销号 with photos, whoever reports the fix: each
// step is in the state, the history and the log, and reaches the people it
// concerns by name.
func TestLoopFromFoundToClosed(t *testing.T) {
	tests := []struct {
		name      string
		rectifier string // who reports the fix
		rechecker string
		askedToo  []string // asked to recheck
	}{
		{"the enterprise reports the fix", storage.ActorEnterprise, "o-sun", []string{"o-zhang", "o-sun"}},
		{"the supervisor reports it for them", "o-sun", "o-zhang", []string{"o-zhang"}},
		{"the finder reports it; the 属地 head rechecks", "o-zhang", "o-chen", []string{"o-sun"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			h := f.report(finding())
			if h.ID != "H20261130-01" || h.State != StateAssigned || h.Round != 1 ||
				h.EnterpriseName != worksName || h.Unit != "lhc" || h.Supervisor != "o-sun" || h.Administrator != "o-zhao" ||
				h.Responsible.Name != "李老板" || h.Level != LevelGeneral || !h.Deadline.Equal(t0.Add(72*time.Hour)) {
				t.Fatalf("reported: %+v", h)
			}
			if d := f.deadlines(); len(d) != 1 || d[0].Key != "h:"+h.ID || !d[0].At.Equal(h.Deadline) {
				t.Fatalf("deadlines after 交办: %+v", d)
			}
			// The boss's notice carries the 已整改 button of this round.
			if boss := f.jobsTo(bossChat); len(boss) != 1 || len(boss[0].Buttons) != 1 || len(boss[0].Buttons[0]) != 1 ||
				boss[0].Buttons[0][0].Data != PressData(ActRectify, h) || boss[0].Buttons[0][0].Text != "✅ 已整改" {
				t.Errorf("the boss's 交办: %+v", boss)
			}
			got := f.deliver()
			// 交办 reaches the supervisor, the 行政负责人 and the 属地 head,
			// by name, not the finder who gave it; and the enterprise's boss.
			if who := f.told(got, "隐患交办 "+h.ID, worksName, "龙湖村", "配电箱未接地", "张明", "李老板", "2026-12-03 08:00"); !sameSet(who, []string{"o-sun", "o-zhao", "o-chen"}) {
				t.Errorf("交办 told %v; messages %v", who, got)
			}
			if len(got[bossChat]) != 1 || !containsAll(got[bossChat][0], "隐患整改通知", worksName, "2026-12-03 08:00") {
				t.Errorf("the enterprise's boss got %q", got[bossChat])
			}

			f.clk.Advance(24 * time.Hour)
			h, err := f.s.Rectified(h.ID, Rectification{By: tc.rectifier, Note: "已更换电缆并接地", Photos: []string{"photo-fixed-1"}})
			if err != nil {
				t.Fatal(err)
			}
			if h.State != StateRectified || h.RectifiedBy != tc.rectifier {
				t.Fatalf("rectified: %+v", h)
			}
			if d := f.deadlines(); len(d) != 0 {
				t.Errorf("the deadline outlived the fix: %+v", d)
			}
			got = f.deliver()
			if who := f.told(got, "已报整改", h.ID, "已更换电缆并接地", "照片 1 张"); !sameSet(who, tc.askedToo) {
				t.Errorf("asked to recheck: %v, want %v", who, tc.askedToo)
			}
			if tc.rectifier == storage.ActorEnterprise && len(f.told(got, "李老板 2026-12-01 08:00")) == 0 {
				t.Errorf("the notice does not name the boss who reported the fix: %v", got)
			}

			f.clk.Advance(2 * time.Hour)
			if h, err = f.s.Recheck(tc.rechecker, h.ID, Recheck{OK: true, Note: "现场核实已整改"}); err != nil {
				t.Fatal(err)
			}
			if h.State != StateRechecked || h.RecheckedBy != tc.rechecker {
				t.Fatalf("rechecked: %+v", h)
			}
			if h, err = f.s.Close(tc.rechecker, h.ID, ""); err != nil {
				t.Fatal(err)
			}
			if boss := f.jobsTo(bossChat); len(boss) != 2 || boss[0].Buttons != nil || boss[1].Buttons != nil {
				t.Errorf("the boss's pass and closure notices (no 已整改 button once fixed): %+v", boss)
			}
			got = f.deliver()
			if who := f.told(got, "已销号", h.ID, worksName); len(who) == 0 || slices.Contains(who, tc.rechecker) {
				t.Errorf("closure told %v", who)
			}
			if b := got[bossChat]; len(b) != 2 || !strings.Contains(b[0], "复查通过") || !strings.Contains(b[1], "已销号") {
				t.Errorf("the boss was not told of the recheck and the closure: %q", b)
			}

			h = f.hazard(h.ID)
			var states []string
			for _, s := range h.History {
				states = append(states, s.State)
			}
			if !slices.Equal(states, States) {
				t.Errorf("history %v", states)
			}
			if h.State != StateClosed || h.ClosedBy != tc.rechecker ||
				!slices.Equal(h.History[0].Photos, []string{"photo-found-1", "photo-found-2"}) ||
				!slices.Equal(h.History[2].Photos, []string{"photo-fixed-1"}) || h.History[2].By != tc.rectifier ||
				!h.History[2].At.Equal(t0.Add(24*time.Hour)) || !h.History[1].Due.Equal(t0.Add(72*time.Hour)) {
				t.Errorf("closed: %+v", h)
			}
			want := []string{storage.CodeHazardFound, storage.CodeHazardAssigned, storage.CodeHazardRectified,
				storage.CodeHazardRechecked, storage.CodeHazardClosed}
			evs := f.events(h.ID)
			if !slices.Equal(codes(evs), want) {
				t.Errorf("events %v, want %v", codes(evs), want)
			}
			if evs[2].Actor != tc.rectifier || evs[3].Actor != tc.rechecker {
				t.Errorf("actors: %+v", evs)
			}
			if a, _ := evs[1].Arg("Told"); !sameSet(a.List(), []string{"o-sun", "o-zhao", "o-chen"}) {
				t.Errorf("交办 event told %+v", a)
			}
		})
	}
}

// Hazards are numbered per day in the town's time zone.
func TestHazardIDsPerDay(t *testing.T) {
	f := newFixture(t)
	var ids []string
	for _, d := range []time.Duration{0, time.Hour, 14*time.Hour + 59*time.Minute, time.Minute} {
		f.clk.Advance(d)
		fd := finding()
		fd.Assign = nil
		ids = append(ids, f.report(fd).ID)
	}
	// 08:00, 09:00, 23:59 on the 30th, then 00:00 on 1 December.
	if want := []string{"H20261130-01", "H20261130-02", "H20261130-03", "H20261201-01"}; !slices.Equal(ids, want) {
		t.Errorf("ids %v, want %v", ids, want)
	}
}

// A failed recheck sends the hazard back with a new deadline: a new round,
// whose own deadline raises its own 叫应.
func TestSendBack(t *testing.T) {
	f := newFixture(t)
	h := f.report(finding())
	f.clk.Advance(24 * time.Hour)
	if _, err := f.s.Rectified(h.ID, Rectification{By: storage.ActorEnterprise, Note: "已整改", Photos: []string{"p1"}}); err != nil {
		t.Fatal(err)
	}
	f.deliver()
	newDue := f.clk.Now().Add(5 * 24 * time.Hour)
	bad := []struct {
		name  string
		rc    Recheck
		field string
	}{
		{"no reason", Recheck{Deadline: newDue}, "note"},
		{"no new deadline", Recheck{Note: "接地线未连接"}, "deadline"},
		{"a deadline past", Recheck{Note: "接地线未连接", Deadline: f.clk.Now().Add(-time.Hour)}, "deadline"},
	}
	for _, tc := range bad {
		var fe *FieldError
		if _, err := f.s.Recheck("o-sun", h.ID, tc.rc); !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%s: %v, want an error about %s", tc.name, err, tc.field)
		}
	}
	h, err := f.s.Recheck("o-sun", h.ID, Recheck{Note: "接地线未连接", Deadline: newDue})
	if err != nil {
		t.Fatal(err)
	}
	if h.State != StateAssigned || h.Round != 2 || !h.Deadline.Equal(newDue) || h.RectifiedBy != "" || h.Overdue {
		t.Fatalf("sent back: %+v", h)
	}
	if d := f.deadlines(); len(d) != 1 || !d[0].At.Equal(newDue) {
		t.Fatalf("deadlines: %+v", d)
	}
	// The boss's send-back carries the button of the new round.
	if boss := f.jobsTo(bossChat); len(boss) != 1 || len(boss[0].Buttons) != 1 || boss[0].Buttons[0][0].Data != PressData(ActRectify, h) ||
		!strings.HasSuffix(boss[0].Buttons[0][0].Data, ":2") {
		t.Errorf("the boss's send-back: %+v", boss)
	}
	got := f.deliver()
	if len(got[bossChat]) != 1 || !containsAll(got[bossChat][0], "复查未通过", "接地线未连接", "2026-12-06 08:00") {
		t.Errorf("the boss got %q", got[bossChat])
	}
	if who := f.told(got, "复查未通过", "孙丽", "接地线未连接", "2026-12-06 08:00"); !sameSet(who, []string{"o-zhao", "o-chen", "o-zhang"}) {
		t.Errorf("send-back told %v", who)
	}
	// The first deadline (12-03) passes: nothing, the round it belonged to is over.
	f.advance(2 * 24 * time.Hour)
	if _, ok := f.linked(h.ID, 1); ok {
		t.Error("the first round's deadline raised a 叫应 after the send-back")
	}
	// The new one passes unrectified: the second round's 叫应.
	f.advance(3*24*time.Hour + time.Minute)
	if a, ok := f.linked(h.ID, 2); !ok || a.Kind != KindHazard {
		t.Fatalf("no 叫应 for the second round: %+v %v", a, ok)
	}
	// Fixed again and rechecked by another: it closes.
	if _, err := f.s.Rectified(h.ID, Rectification{By: storage.ActorEnterprise, Note: "已连接接地线", Photos: []string{"p2"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Recheck("o-sun", h.ID, Recheck{OK: true}); err != nil {
		t.Fatal(err)
	}
	if h, err = f.s.Close("o-sun", h.ID, "复查合格"); err != nil || h.State != StateClosed {
		t.Fatalf("close: %+v %v", h, err)
	}
	want := []string{storage.CodeHazardFound, storage.CodeHazardAssigned, storage.CodeHazardRectified,
		storage.CodeHazardSentBack, storage.CodeHazardOverdue, storage.CodeHazardRectified, storage.CodeHazardRechecked,
		storage.CodeHazardClosed}
	if got := codes(f.events(h.ID)); !slices.Equal(got, want) {
		t.Errorf("events %v, want %v", got, want)
	}
}

// A hazard past its deadline raises a 叫应 to the responsible official
// that escalates as usual; one rectified in time raises nothing, and a fix
// reported late ends the call.
func TestOverdue(t *testing.T) {
	tests := []struct {
		name       string
		enterprise string
		fixAfter   time.Duration // 0: not fixed
		callee     string
		head       string // the callee's unit head, escalated to
	}{
		{"unfixed: the supervisor is called", works, 0, "o-sun", "o-wu"},
		{"unknown to the registry: the finder is called", unknownEnt, 0, "o-zhang", "o-wu"},
		{"fixed in time: no call", works, 71 * time.Hour, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			fd := finding()
			if tc.enterprise != works {
				fd.Enterprise, fd.EnterpriseName, fd.Unit = tc.enterprise, "某某加油站", "lhc"
			}
			h := f.report(fd)
			f.deliver()
			if tc.fixAfter > 0 {
				f.advance(tc.fixAfter)
				if _, err := f.s.Rectified(h.ID, Rectification{By: storage.ActorEnterprise, Note: "已整改", Photos: []string{"p"}}); err != nil {
					t.Fatal(err)
				}
				f.deliver()
			}
			f.advance(h.Deadline.Sub(f.clk.Now()) - time.Second)
			if _, ok := f.linked(h.ID, 1); ok {
				t.Fatal("a 叫应 before the deadline")
			}
			f.advance(time.Second)
			a, ok := f.linked(h.ID, 1)
			if tc.callee == "" {
				if ok || f.hazard(h.ID).Overdue || slices.Contains(codes(f.events(h.ID)), storage.CodeHazardOverdue) {
					t.Fatalf("a hazard fixed in time raised a 叫应: %+v", a)
				}
				return
			}
			if !ok || a.Kind != KindHazard || a.Level != "yellow" || !slices.Equal(f.callees(a.ID), []string{tc.callee}) {
				t.Fatalf("叫应 %+v %v", a, ok)
			}
			if !f.hazard(h.ID).Overdue {
				t.Error("the hazard is not marked overdue")
			}
			boss := f.jobsTo(bossChat)
			got := f.deliver()
			switch {
			case tc.enterprise != works && len(boss) != 0:
				t.Errorf("an enterprise the registry lacks has a boss: %+v", boss)
			case tc.enterprise == works && (len(boss) != 1 || !containsAll(boss[0].Text, "已过，仍未报告整改", h.ID, "2026-12-03 08:00", "配电箱未接地") ||
				len(boss[0].Buttons) != 1 || boss[0].Buttons[0][0].Data != PressData(ActRectify, h)):
				t.Errorf("the boss is told %+v", boss)
			}
			if msgs := got[f.chat(tc.callee)]; len(msgs) != 1 || !containsAll(msgs[0], "逾期未整改", h.ID, "2026-12-03 08:00", h.EnterpriseName, "配电箱未接地") {
				t.Errorf("the call reads %q", msgs)
			}
			// Silent: called again at 10 minutes, the unit head told at 30.
			f.advance(10 * time.Minute)
			if got := f.deliver(); len(got[f.chat(tc.callee)]) != 1 {
				t.Errorf("no second call: %v", got)
			}
			f.advance(20 * time.Minute)
			got = f.deliver()
			if msgs := got[f.chat(tc.head)]; len(msgs) != 1 || !strings.Contains(msgs[0], f.cfg.OfficialName(tc.callee)) {
				t.Errorf("the unit head got %q", msgs)
			}
			var r callout.Recipient
			f.view(func(tx *storage.Tx) error {
				var err error
				r, err = callout.LoadRecipient(tx, a.ID, tc.callee)
				return err
			})
			if len(r.Escalations) != 2 || r.Escalations[1].Action != "escalate" || !slices.Equal(r.Escalations[1].People, []string{tc.head}) {
				t.Errorf("escalations %+v", r.Escalations)
			}
			// The fix, late, ends the call.
			if _, err := f.s.Rectified(h.ID, Rectification{By: storage.ActorEnterprise, Note: "已整改", Photos: []string{"p"}}); err != nil {
				t.Fatal(err)
			}
			if a, _ := f.linked(h.ID, 1); a.State != callout.AlertClosed {
				t.Errorf("the 叫应 is %s after the fix", a.State)
			}
		})
	}
}

// The deadline is durable: a restart between 交办 and the deadline still
// raises the 叫应 at the deadline.
func TestDeadlineSurvivesRestart(t *testing.T) {
	f := newFixture(t)
	h := f.report(finding())
	f.deliver()
	f.restart()
	if d := f.deadlines(); len(d) != 1 || d[0].Key != "h:"+h.ID {
		t.Fatalf("deadlines after the restart: %+v", d)
	}
	f.advance(72 * time.Hour)
	if a, ok := f.linked(h.ID, 1); !ok || !slices.Equal(f.callees(a.ID), []string{"o-sun"}) {
		t.Fatalf("no 叫应 after a restart: %+v %v", a, ok)
	}
}

// A 重大隐患 is 挂牌督办: it cannot be assigned without all of its 五落实;
// assigned, the 属地 unit's 分管领导 and the principal are told, each in
// their language, by name; its closure is told to them too.
func TestMajorHazardListed(t *testing.T) {
	f := newFixture(t)
	fd := finding()
	fd.Level, fd.Description, fd.Assign = "重大", "二号车间粉尘浓度超标，存在爆炸风险", nil
	h := f.report(fd)
	if h.State != StateFound || len(f.deadlines()) != 0 {
		t.Fatalf("a major hazard without 五落实 was assigned: %+v", h)
	}
	due := t0.Add(15 * 24 * time.Hour)
	partial := five()
	partial.Funds, partial.Plan = "", "  "
	bad := []struct {
		name string
		a    Assignment
		want string
	}{
		{"no 五落实", Assignment{Deadline: due}, "responsibility, measures, funds, time_limit, plan"},
		{"two missing", Assignment{Deadline: due, Five: partial}, "funds, plan missing"},
	}
	for _, tc := range bad {
		var fe *FieldError
		_, err := f.s.Assign("o-sun", h.ID, tc.a)
		if !errors.As(err, &fe) || fe.Field != "five" || !errors.Is(err, ErrFiveMissing) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	if _, err := f.s.Assign("o-qian", h.ID, Assignment{Deadline: due, Five: five()}); !errors.Is(err, ErrForbidden) {
		t.Errorf("an official of another department assigned it: %v", err)
	}
	f.deliver()
	h, err := f.s.Assign("o-sun", h.ID, Assignment{Deadline: due, Five: five()})
	if err != nil {
		t.Fatal(err)
	}
	if h.State != StateAssigned || h.Five == nil || h.Five.Funds != "8万元，企业自筹" {
		t.Fatalf("assigned: %+v", h)
	}
	got := f.deliver()
	wang := got[f.chat("o-wang")]
	if len(wang) != 1 || !containsAll(wang[0], "Major hazard "+h.ID+" under supervision", worksName, "龙湖村", "assigned by 孙丽",
		"Funds: 8万元，企业自筹", "Contingency plan: 停产撤人") || strings.Contains(wang[0], "o-") {
		t.Errorf("the 分管领导 (English) got %q", wang)
	}
	he := got[f.chat("o-he")]
	if len(he) != 1 || !containsAll(he[0], "重大隐患挂牌督办 "+h.ID, "孙丽 交办", "资金：8万元", "预案：停产撤人") {
		t.Errorf("the principal got %q", he)
	}
	if who := f.told(got, "隐患交办 "+h.ID, "五落实"); !sameSet(who, []string{"o-zhao", "o-chen"}) {
		t.Errorf("交办 of a major hazard told %v", who) // not 孙丽, who assigned it
	}
	evs := f.events(h.ID)
	if a, _ := evs[len(evs)-1].Arg("Leaders"); !sameSet(a.List(), []string{"o-wang", "o-he"}) {
		t.Errorf("the 交办 event names the leaders told as %+v", a)
	}
	if a, _ := evs[len(evs)-1].Arg("Listed"); a.Value != "word:"+storage.WordListed {
		t.Errorf("the 交办 event is not marked 挂牌督办: %+v", a)
	}

	// Its overdue call is orange.
	f.advance(15 * 24 * time.Hour)
	if a, ok := f.linked(h.ID, 1); !ok || a.Level != "orange" {
		t.Errorf("overdue 叫应 of a major hazard: %+v", a)
	}
	if _, err := f.s.Rectified(h.ID, Rectification{By: "o-zhang", Note: "已安装除尘设备", Photos: []string{"p"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Recheck("o-sun", h.ID, Recheck{OK: true}); err != nil {
		t.Fatal(err)
	}
	f.deliver()
	if _, err := f.s.Close("o-sun", h.ID, ""); err != nil {
		t.Fatal(err)
	}
	got = f.deliver()
	if who := f.told(got, h.ID, worksName, "已销号"); !sameSet(who, []string{"o-zhao", "o-chen", "o-zhang", "o-he"}) {
		t.Errorf("closure of a major hazard told %v", who)
	}
	if msgs := got[f.chat("o-wang")]; len(msgs) != 1 || !containsAll(msgs[0], "Major hazard under supervision "+h.ID, "closed") {
		t.Errorf("the 分管领导 read %q", got[f.chat("o-wang")])
	}

	// A general hazard takes no 五落实.
	gd := finding()
	gd.Assign.Five, gd.Assign.Deadline = five(), f.clk.Now().Add(time.Hour)
	var fe *FieldError
	if _, err := f.s.Report(gd); !errors.As(err, &fe) || fe.Field != "five" {
		t.Errorf("a general hazard with 五落实: %v", err)
	}
}

// A hazard is closed only after a recheck passed, by someone other than
// the person who reported it fixed.
func TestCloseNeedsRecheckByAnother(t *testing.T) {
	f := newFixture(t)
	h := f.report(finding())
	steps := []struct {
		name string
		do   func() error
		want error
	}{
		{"close while assigned", func() error { _, err := f.s.Close("o-sun", h.ID, ""); return err }, ErrNotRechecked},
		{"recheck before any fix", func() error { _, err := f.s.Recheck("o-sun", h.ID, Recheck{OK: true}); return err }, ErrState},
		{"fix reported without a photo", func() error {
			_, err := f.s.Rectified(h.ID, Rectification{By: "o-sun", Note: "已整改"})
			return err
		}, ErrNoPhotos},
		{"fix reported by an outsider", func() error {
			_, err := f.s.Rectified(h.ID, Rectification{By: "o-qian", Note: "已整改", Photos: []string{"p"}})
			return err
		}, ErrForbidden},
		{"fix reported by 孙丽", func() error {
			_, err := f.s.Rectified(h.ID, Rectification{By: "o-sun", Note: "已整改", Photos: []string{"p"}})
			return err
		}, nil},
		{"fix reported twice", func() error {
			_, err := f.s.Rectified(h.ID, Rectification{By: "o-sun", Note: "已整改", Photos: []string{"p"}})
			return err
		}, ErrState},
		{"close without a recheck", func() error { _, err := f.s.Close("o-zhang", h.ID, ""); return err }, ErrNotRechecked},
		{"孙丽 rechecks her own fix", func() error { _, err := f.s.Recheck("o-sun", h.ID, Recheck{OK: true}); return err }, ErrSelfRecheck},
		{"an outsider rechecks", func() error { _, err := f.s.Recheck("o-qian", h.ID, Recheck{OK: true}); return err }, ErrForbidden},
		{"still not closable", func() error { _, err := f.s.Close("o-sun", h.ID, ""); return err }, ErrNotRechecked},
		{"张明 rechecks", func() error { _, err := f.s.Recheck("o-zhang", h.ID, Recheck{OK: true}); return err }, nil},
		{"an outsider closes", func() error { _, err := f.s.Close("o-qian", h.ID, ""); return err }, ErrForbidden},
		{"the principal closes", func() error { _, err := f.s.Close("o-he", h.ID, ""); return err }, nil},
		{"close twice", func() error { _, err := f.s.Close("o-he", h.ID, ""); return err }, ErrState},
		{"an unknown hazard", func() error { _, err := f.s.Close("o-he", "H20261130-99", ""); return err }, ErrUnknown},
	}
	for _, st := range steps {
		err := st.do()
		if (st.want == nil) != (err == nil) || (st.want != nil && !errors.Is(err, st.want)) {
			t.Fatalf("%s: %v, want %v", st.name, err, st.want)
		}
	}
	if got := f.hazard(h.ID); got.State != StateClosed || got.RectifiedBy != "o-sun" || got.RecheckedBy != "o-zhang" || got.ClosedBy != "o-he" {
		t.Errorf("closed: %+v", got)
	}
}

// A finding is refused with the field it got wrong.
func TestReportRefusals(t *testing.T) {
	f := newFixture(t)
	long := strings.Repeat("隐", MaxText+1)
	tests := []struct {
		name   string
		change func(fd *Finding)
		field  string
		err    error
	}{
		{"no enterprise", func(fd *Finding) { fd.Enterprise = " " }, "enterprise", ErrRequired},
		{"unknown finder", func(fd *Finding) { fd.FoundBy = "o-nobody" }, "found_by", ErrBadOfficial},
		{"bad level", func(fd *Finding) { fd.Level = "严重" }, "level", ErrBadLevel},
		{"no description", func(fd *Finding) { fd.Description = "" }, "description", ErrRequired},
		{"description too long", func(fd *Finding) { fd.Description = long }, "description", ErrTooLong},
		{"too many photos", func(fd *Finding) { fd.Photos = make([]string, MaxPhotos+1); fd.Photos[0] = "x"; fillPhotos(fd.Photos) }, "photos", ErrTooMany},
		{"enterprise unknown and unnamed", func(fd *Finding) { fd.Enterprise = unknownEnt }, "enterprise_name", ErrBadEnterprise},
		{"enterprise unknown without its unit", func(fd *Finding) { fd.Enterprise, fd.EnterpriseName = unknownEnt, "某某加油站" }, "unit", ErrBadEnterprise},
		{"unknown unit", func(fd *Finding) { fd.Unit = "nowhere" }, "unit", ErrBadUnit},
		{"deadline past", func(fd *Finding) { fd.Assign.Deadline = t0.Add(-time.Minute) }, "deadline", ErrBadDeadline},
		{"deadline now", func(fd *Finding) { fd.Assign.Deadline = t0 }, "deadline", ErrBadDeadline},
		{"deadline beyond a year", func(fd *Finding) { fd.Assign.Deadline = t0.AddDate(0, 0, MaxDays+1) }, "deadline", ErrBadDeadline},
		{"major without 五落实", func(fd *Finding) { fd.Level = "major" }, "five", ErrFiveMissing},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fd := finding()
			tc.change(&fd)
			_, err := f.s.Report(fd)
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field || !errors.Is(err, tc.err) {
				t.Errorf("%v, want %s: %v", err, tc.field, tc.err)
			}
		})
	}
	var n int
	f.view(func(tx *storage.Tx) error {
		all, err := All(tx)
		n = len(all)
		return err
	})
	if n != 0 {
		t.Errorf("%d hazards stored by refused findings", n)
	}
}

func fillPhotos(p []string) {
	for i := range p {
		p[i] = "photo"
	}
}

// List filters by state, unit and enterprise.
func TestList(t *testing.T) {
	f := newFixture(t)
	a := f.report(finding())
	other := finding()
	other.Enterprise, other.EnterpriseName, other.Unit, other.Assign = unknownEnt, "某某加油站", "cgdd", nil
	b := f.report(other)
	tests := []struct {
		filter Filter
		want   []string
	}{
		{Filter{}, []string{a.ID, b.ID}},
		{Filter{State: StateAssigned}, []string{a.ID}},
		{Filter{State: StateFound}, []string{b.ID}},
		{Filter{Unit: "cgdd"}, []string{b.ID}},
		{Filter{Enterprise: works}, []string{a.ID}},
		{Filter{Enterprise: works, State: StateClosed}, nil},
	}
	for _, tc := range tests {
		list, err := f.s.List(tc.filter)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, h := range list {
			ids = append(ids, h.ID)
		}
		if !slices.Equal(ids, tc.want) {
			t.Errorf("%+v: %v, want %v", tc.filter, ids, tc.want)
		}
	}
}
