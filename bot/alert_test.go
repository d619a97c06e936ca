package bot

import "testing"

func TestPaidFigures(t *testing.T) {
	for _, tc := range []struct {
		n            int
		count, stars string
	}{
		{1, "1", "0.1"},
		{3, "3", "0.3"},
		{999, "999", "99.9"},
		{1000, "1,000", "100.0"},
		{10000, "10,000", "1,000.0"},
		{1234567, "1,234,567", "123,456.7"},
	} {
		if got := thousands(tc.n); got != tc.count {
			t.Errorf("thousands(%d) = %q, want %q", tc.n, got, tc.count)
		}
		if got := starsText(float64(tc.n) * 0.1); got != tc.stars {
			t.Errorf("starsText(%d × 0.1) = %q, want %q", tc.n, got, tc.stars)
		}
	}
}
