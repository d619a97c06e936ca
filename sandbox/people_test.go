package sandbox

import (
	"strings"
	"testing"

	"dutybot/config"
)

func TestUserIDIsStableAndDistinct(t *testing.T) {
	cfg := loadExample(t)
	ppl, err := people(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(ppl) != len(cfg.Officials) {
		t.Fatalf("%d people for %d officials", len(ppl), len(cfg.Officials))
	}
	seen := map[int64]string{}
	for _, p := range ppl {
		if other, dup := seen[p.UserID]; dup {
			t.Errorf("%s and %s share user id %d", other, p.ID, p.UserID)
		}
		seen[p.UserID] = p.ID
		if p.UserID < userIDBase || p.UserID >= 1<<52 {
			t.Errorf("%s: user id %d outside Telegram's range", p.ID, p.UserID)
		}
		if again := UserID(p.Official); again != p.UserID {
			t.Errorf("%s: user id %d, then %d", p.ID, p.UserID, again)
		}
	}
	// The same official gets the same account on every run and machine:
	// FNV-1a of the id above the base.
	for id, want := range map[string]int64{"o-yangfan": userIDBase + 3402021621, "o-huanglei": userIDBase + 1244688472} {
		if got := UserID(config.Official{ID: id}); got != want {
			t.Errorf("UserID(%s) = %d, want %d", id, got, want)
		}
	}
}

func TestUserIDKeepsConfiguredTelegramIDs(t *testing.T) {
	taken := UserID(config.Official{ID: "o-b"})
	cfg := &config.Config{Officials: []config.Official{
		{ID: "o-a", Phone: "13800000001", TelegramID: taken}, // bound in the config to o-b's derived id
		{ID: "o-b", Phone: "13800000002"},
	}}
	ppl, err := people(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if ppl[0].UserID != taken {
		t.Errorf("o-a plays as %d, want its telegram_id %d", ppl[0].UserID, taken)
	}
	if ppl[1].UserID != taken+1 {
		t.Errorf("o-b plays as %d, want the next free id %d", ppl[1].UserID, taken+1)
	}

	cfg.Officials = append(cfg.Officials, config.Official{ID: "o-c", TelegramID: taken})
	cfg.Reindex()
	if _, err := people(cfg); err == nil || !strings.Contains(err.Error(), "share telegram_id") {
		t.Errorf("two officials with one telegram_id: err = %v", err)
	}
}

func TestPhoneIsWhatTelegramShares(t *testing.T) {
	tests := []struct{ phone, want string }{
		{"13800000001", "8613800000001"},
		{"+86 138 0000 0007", "8613800000007"},
		{"138-0000-0004", "8613800000004"},
		{"023-6512 3456", "02365123456"}, // a landline stays as it is
	}
	for _, tt := range tests {
		got := Phone(config.Official{Phone: tt.phone})
		if got != tt.want {
			t.Errorf("Phone(%q) = %q, want %q", tt.phone, got, tt.want)
		}
		// The bot must find the official by what the button shares.
		if config.NormalizePhone(got) != config.NormalizePhone(tt.phone) {
			t.Errorf("Phone(%q) = %q does not normalise back", tt.phone, got)
		}
	}
}

func TestFakeUserSpeaksTheOfficialsLanguage(t *testing.T) {
	cfg := loadExample(t)
	ppl, err := people(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ppl {
		u := fakeUser(cfg, p)
		want := "zh-hans"
		if p.ID == "o-guoliang" { // language: en in the example
			want = "en"
		}
		if u.LanguageCode != want || u.FirstName != p.Name || u.ID != p.UserID || strings.Contains(u.Username, "-") {
			t.Errorf("%s: fake user %+v", p.ID, u)
		}
	}
}
