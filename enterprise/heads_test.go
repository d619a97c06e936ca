package enterprise

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"dutybot/clock"
	"dutybot/storage"
)

// headsYAML is a registry of three enterprises: 何伟 heads the first two
// (his phone written two ways), 唐亮 the third, with a landline.
func headsYAML(third string) string {
	return fmt.Sprintf(`- {name: 企业1, code: %s, industry: 工贸, risk: 黄, admin: 李芳, supervisor: 孙丽, head: {name: 何伟, phone: "139-0000-0001"}, unit: yjb}
- {name: 企业2, code: %s, industry: 工贸, risk: 黄, admin: 李芳, supervisor: 孙丽, head: {name: 何伟, phone: "+86 139 0000 0001"}, unit: yjb}
- {name: 企业3, code: %s, industry: 工贸, risk: 黄, admin: 李芳, supervisor: 孙丽, head: {name: 唐亮, phone: "%s"}, unit: yjb}
`, code(1), code(2), code(3), third)
}

func importYAML(t *testing.T, reg *Registry, text string) Result {
	t.Helper()
	list, err := ParseYAML(strings.NewReader(text), reg.cfg)
	if err != nil {
		t.Fatal(err)
	}
	res, err := reg.Import(list, "cli", "台账.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// A head binds by their phone, for every enterprise listing it; a phone
// no enterprise lists, a landline, or a phone bound by another account
// is refused and changes nothing; a re-import that gives an enterprise
// another head's phone leaves the old binding without it.
func TestBindHead(t *testing.T) {
	cfg := loadConfig(t)
	db := openDB(t)
	at := time.Date(2026, 11, 3, 9, 30, 0, 0, cfg.Location)
	reg := New(cfg, db, clock.NewFake(at), slog.New(slog.DiscardHandler))
	importYAML(t, reg, headsYAML("023-6868 1234"))

	ents, err := reg.BindHead(HeadBinding{Phone: "8613900000001", ChatID: 501, UserID: 501, BoundAt: at})
	if err != nil || !slices.Equal(HeadNames(ents), []string{"企业1", "企业2"}) {
		t.Fatalf("bind: %v %v", HeadNames(ents), err)
	}
	for _, bad := range []struct {
		phone string
		user  int64
		want  error
	}{
		{"13900000009", 502, ErrNotAHead},  // nobody's
		{"02368681234", 502, ErrNotAHead},  // a landline never binds
		{"13900000001", 502, ErrHeadTaken}, // 何伟's, from another account
		{"", 502, ErrNotAHead},
	} {
		if _, err := reg.BindHead(HeadBinding{Phone: bad.phone, ChatID: bad.user, UserID: bad.user, BoundAt: at}); !errors.Is(err, bad.want) {
			t.Errorf("bind %q: %v, want %v", bad.phone, err, bad.want)
		}
	}
	if _, _, ok, err := reg.HeadOf(502); ok || err != nil {
		t.Errorf("a refused chat is bound: %v %v", ok, err)
	}
	b, ents, ok, err := reg.HeadOf(501)
	if !ok || err != nil || b.Name != "何伟" || b.Phone != "13900000001" || len(ents) != 2 {
		t.Fatalf("head of 501: %+v %d %v %v", b, len(ents), ok, err)
	}
	e, head, ok, bound, err := reg.GetWithHead(code(2))
	if !ok || !bound || err != nil || head.ChatID != 501 || e.Name != "企业2" {
		t.Errorf("enterprise 2: %+v %+v %v %v %v", e, head, ok, bound, err)
	}
	if _, _, ok, bound, err := reg.GetWithHead(code(3)); !ok || bound || err != nil {
		t.Errorf("enterprise 3, whose head is not bound: %v %v %v", ok, bound, err)
	}
	if _, _, ok, _, err := reg.GetWithHead(code(9)); ok || err != nil {
		t.Errorf("an enterprise the registry lacks: %v %v", ok, err)
	}

	// 企业2 now lists 唐亮's mobile: 何伟 no longer answers for it.
	text := strings.Replace(headsYAML("13900000003"), `{name: 何伟, phone: "+86 139 0000 0001"}`, `{name: 唐亮, phone: "13900000003"}`, 1)
	if res := importYAML(t, reg, text); res.Changed != 2 || res.Added != 0 || res.Removed != 0 {
		t.Errorf("re-import: %+v", res)
	}
	if _, ents, ok, _ := reg.HeadOf(501); !ok || !slices.Equal(HeadNames(ents), []string{"企业1"}) {
		t.Errorf("何伟 after the re-import: %v", HeadNames(ents))
	}
	if _, _, _, bound, _ := reg.GetWithHead(code(2)); bound {
		t.Error("企业2 still reaches 何伟")
	}
	ents, err = reg.BindHead(HeadBinding{Phone: "13900000003", ChatID: 503, UserID: 503, BoundAt: at})
	if err != nil || !slices.Equal(HeadNames(ents), []string{"企业2", "企业3"}) {
		t.Errorf("唐亮 binds: %v %v", HeadNames(ents), err)
	}
	err = db.View(func(tx *storage.Tx) error {
		evs, err := tx.Events(0, 20)
		var got []string
		for _, e := range evs {
			if e.Type == EvHeadBound {
				got = append(got, e.Actor+" "+e.Detail)
			}
		}
		if len(got) != 2 || !strings.Contains(got[0], "何伟 (139****0001), chat 501, for 2 enterprises") ||
			strings.Contains(got[0], "13900000001") {
			t.Errorf("events %q", got)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Diff counts by 信用代码, and where a record came from is no change.
func TestDiff(t *testing.T) {
	e := func(n int, name string) Enterprise {
		return Enterprise{Code: code(n), Name: name, Unit: "yjb"}
	}
	moved := e(2, "企业2")
	moved.Row, moved.Source, moved.ImportedAt = 9, "import:x.xlsx", time.Now()
	tests := []struct {
		name      string
		old, next []Enterprise
		want      Changes
	}{
		{"first import", nil, []Enterprise{e(1, "a"), e(2, "b")}, Changes{Added: 2}},
		{"same again, from another file", []Enterprise{e(1, "企业1"), e(2, "企业2")}, []Enterprise{e(1, "企业1"), moved}, Changes{}},
		{"one renamed, one gone, one new", []Enterprise{e(1, "企业1"), e(2, "企业2")}, []Enterprise{e(1, "新名"), e(3, "企业3")},
			Changes{Added: 1, Changed: 1, Removed: 1}},
		{"emptied", []Enterprise{e(1, "企业1")}, nil, Changes{Removed: 1}},
	}
	for _, tt := range tests {
		if got := Diff(tt.old, tt.next); got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
}
