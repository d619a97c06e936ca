package enterprise

import (
	"errors"
	"strings"
	"testing"

	"dutybot/roster"
)

func TestCreditCodeCheckCharacter(t *testing.T) {
	tests := []struct {
		code    string
		problem string // "" for a valid code
	}{
		{"91350100M000100Y43", ""}, // the example of GB 32100-2015
		{"91440300708461136T", ""},
		{"91110108551385082Q", ""},
		{"91350100m000100y43", ""}, // lower case is read as capitals
		{"９１３５０１００Ｍ０００１００Ｙ４３", ""}, // full-width, as some input methods type it
		{" 91350100M000100Y43 ", ""},
		{"91350100M000100Y44", "EnterpriseProblemCodeCheck"},   // last character mistyped
		{"91350100M000100Y34", "EnterpriseProblemCodeCheck"},   // two characters swapped
		{"91350100M00010OY43", "EnterpriseProblemCodeChar"},    // the letter O for zero
		{"91350100I000100Y43", "EnterpriseProblemCodeChar"},    // I is never used
		{"91350100M000100Y4", "EnterpriseProblemCodeLength"},   // 17 characters
		{"913501000M000100Y43", "EnterpriseProblemCodeLength"}, // 19
		{"9135010０M000100Y4三", "EnterpriseProblemCodeChar"},
		{"", "EnterpriseProblemCodeLength"},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			got, err := checkCode(tt.code)
			var p *roster.Problem
			switch {
			case tt.problem == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.problem == "" && got != "91350100M000100Y43" && len(got) != 18:
				t.Fatalf("normalised to %q", got)
			case tt.problem != "" && (!errors.As(err, &p) || p.ID != tt.problem):
				t.Fatalf("got %v (%q), want %s", err, got, tt.problem)
			}
			if ValidCode(tt.code) != (tt.problem == "") {
				t.Errorf("ValidCode = %v", !(tt.problem == ""))
			}
		})
	}
	// The check names the character the rest calls for.
	_, err := checkCode("91350100M000100Y44")
	if want := "fails its check: it ends in 4, its first 17 characters call for 3"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("message %v lacks %q", err, want)
	}
	// Every generated test code is valid, and changing any one character
	// of it is caught.
	c := code(42)
	for i := range 18 {
		for _, r := range creditChars {
			if byte(r) == c[i] {
				continue
			}
			bad := c[:i] + string(r) + c[i+1:]
			if ValidCode(bad) {
				t.Fatalf("%s (character %d of %s changed) passes", bad, i+1, c)
			}
		}
	}
}
