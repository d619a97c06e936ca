package incident

import (
	"errors"
	"testing"
	"time"
)

func TestParseWhen(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	now := time.Date(2026, 11, 30, 15, 4, 30, 0, loc)
	at := func(mo time.Month, d, h, m int) time.Time { return time.Date(2026, mo, d, h, m, 0, 0, loc) }
	tests := []struct {
		in      string
		want    time.Time
		wantErr error
	}{
		{"刚才", now, nil},
		{" 刚刚 ", now, nil},
		{"now", now, nil},
		{"Just  now", now, nil},
		{"今天 14:20", at(11, 30, 14, 20), nil},
		{"今天14：20", at(11, 30, 14, 20), nil},
		{"14:20", at(11, 30, 14, 20), nil},
		{"１４：２０", at(11, 30, 14, 20), nil},
		{"昨天 23:10", at(11, 29, 23, 10), nil},
		{"前天 8点", at(11, 28, 8, 0), nil},
		{"today 9:05", at(11, 30, 9, 5), nil},
		{"yesterday 11:59 pm", at(11, 29, 23, 59), nil},
		{"2026-11-28 14:20", at(11, 28, 14, 20), nil},
		{"2026/11/28 14:20", at(11, 28, 14, 20), nil},
		{"2026年11月28日 14:20", at(11, 28, 14, 20), nil},
		{"11-28 14:20", at(11, 28, 14, 20), nil},
		{"11月28日下午2点半", at(11, 28, 14, 30), nil},
		{"今天下午3点", at(11, 30, 15, 0), nil},
		{"今天 15:04", at(11, 30, 15, 4), nil}, // this minute is not the future
		{"中午12点10分", at(11, 30, 12, 10), nil},
		{"凌晨1点", at(11, 30, 1, 0), nil},
		{"2025-12-31 23:59", time.Date(2025, 12, 31, 23, 59, 0, 0, loc), nil},
		// Never in the future.
		{"今天 15:05", time.Time{}, ErrFuture},
		{"23:00", time.Time{}, ErrFuture},
		{"2026-12-01 00:00", time.Time{}, ErrFuture},
		{"今天晚上8点", time.Time{}, ErrFuture},
		// Nonsense.
		{"", time.Time{}, ErrBadTime},
		{"下午", time.Time{}, ErrBadTime},
		{"今天", time.Time{}, ErrBadTime},
		{"25:00", time.Time{}, ErrBadTime},
		{"14:60", time.Time{}, ErrBadTime},
		{"2026-02-30 10:00", time.Time{}, ErrBadTime},
		{"2026-13-01 10:00", time.Time{}, ErrBadTime},
		{"明天 10:00", time.Time{}, ErrBadTime},
		{"一小时前", time.Time{}, ErrBadTime},
	}
	for _, tt := range tests {
		got, err := ParseWhen(tt.in, now, loc)
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("ParseWhen(%q) error = %v, want %v", tt.in, err, tt.wantErr)
			continue
		}
		if tt.wantErr == nil && !got.Equal(tt.want) {
			t.Errorf("ParseWhen(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestParseCount(t *testing.T) {
	tests := []struct {
		in      string
		want    int
		wantErr error
	}{
		{"0", 0, nil}, {"3", 3, nil}, {" 12人 ", 12, nil}, {"5 名", 5, nil}, {"无", 0, nil}, {"没有", 0, nil},
		{"３", 3, nil}, {"100000", 100000, nil},
		{"-1", 0, ErrNegative}, {"100001", 0, ErrTooLarge}, {"99999999999999999999", 0, ErrTooLarge},
		{"三", 0, ErrBadNumber}, {"", 0, ErrBadNumber}, {"1.5", 0, ErrBadNumber}, {"3 dead", 0, ErrBadNumber},
	}
	for _, tt := range tests {
		got, err := ParseCount(tt.in)
		if !errors.Is(err, tt.wantErr) || got != tt.want {
			t.Errorf("ParseCount(%q) = %d, %v; want %d, %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseLossWan(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr error
	}{
		{"0", 0, nil}, {"无", 0, nil},
		{"50", 500_000, nil},
		{"12.5", 125_000, nil},
		{"12.5万元", 125_000, nil},
		{"约 30 万", 300_000, nil},
		{"0.0001", 1, nil},
		{"0.00019", 1, nil}, // fractions of a yuan are dropped
		{"80000元", 80_000, nil},
		{"1,000", 10_000_000, nil},
		{"1亿", 100_000_000, nil},
		{"1.5亿元", 150_000_000, nil},
		{"10000", 100_000_000, nil},
		{"-5", 0, ErrNegative},
		{"十万", 0, ErrBadNumber}, {"", 0, ErrBadNumber}, {"5 dollars", 0, ErrBadNumber},
		{"100000001", 0, ErrTooLarge}, // over 1万亿元
		{"99999999999999999999", 0, ErrTooLarge},
	}
	for _, tt := range tests {
		got, err := ParseLossWan(tt.in)
		if !errors.Is(err, tt.wantErr) || got != tt.want {
			t.Errorf("ParseLossWan(%q) = %d, %v; want %d, %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestFormatWan(t *testing.T) {
	for yuan, want := range map[int64]string{0: "0", 500_000: "50", 125_000: "12.5", 1: "0.0001", 100_000_000: "10000", 10_000_100: "1000.01"} {
		if got := FormatWan(yuan); got != want {
			t.Errorf("FormatWan(%d) = %q, want %q", yuan, got, want)
		}
	}
}
