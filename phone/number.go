package phone

import (
	"strings"

	"dutybot/config"
)

// E164 turns a number as the directory holds it into the form providers
// dial: a mainland mobile "13800001001" (or "+86 138 0000 1001") becomes
// "+8613800001001", a landline with its area code "023-68681234" becomes
// "+862368681234". Anything else is not a number to call: ok is false.
func E164(number string) (string, bool) {
	n := config.NormalizePhone(number)
	if config.IsMobile(n) {
		return "+86" + n, true
	}
	if IsLandline(n) {
		return "+86" + n[1:], true
	}
	return "", false
}

// IsLandline says whether a normalised number is a mainland landline with
// its area code: 0, a 2- or 3-digit area code, then 7 or 8 digits.
func IsLandline(n string) bool {
	if len(n) < 10 || len(n) > 12 || n[0] != '0' || n[1] == '0' {
		return false
	}
	for i := 0; i < len(n); i++ {
		if n[i] < '0' || n[i] > '9' {
			return false
		}
	}
	return true
}

// sameNumber reports whether a number a provider reported is the E.164
// number dutybot called ("13800001001", "+8613800001001", "8613800001001").
func sameNumber(reported, called string) bool {
	if reported == "" {
		return true // the provider did not say
	}
	if e, ok := E164(reported); ok {
		return e == called
	}
	return strings.TrimPrefix(reported, "+") == strings.TrimPrefix(called, "+")
}
