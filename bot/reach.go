package bot

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
)

// When the Bot API cannot be reached, the cause is nearly always where the
// bot looks for it (telegram.api_url) or the way there (a proxy, which the
// HTTP client takes from the environment). The hint names both, once per
// outage: with the first failed getMe, and with the first send the outbox
// retries for that reason.

// reachHint tells an operator what to check when the Bot API at apiURL
// cannot be reached: the configured address, and the proxy variable that
// applies to it, whether it is set and where it points. It never shows a
// password of either URL. getenv reads the environment.
func reachHint(apiURL string, getenv func(string) string) string {
	name := "HTTPS_PROXY"
	if u, err := url.Parse(apiURL); err == nil && u.Scheme == "http" {
		name = "HTTP_PROXY"
	}
	proxy := getenv(name)
	if proxy == "" {
		proxy = getenv(strings.ToLower(name))
	}
	if proxy == "" {
		return fmt.Sprintf("check telegram.api_url (%s) and whether this host reaches it directly; "+
			"%s is not set: if the way out is through a proxy, set %s in dutybot's environment", safeURL(apiURL), name, name)
	}
	return fmt.Sprintf("check telegram.api_url (%s) and the proxy in %s (%s): is it up, and does it let dutybot through?",
		safeURL(apiURL), name, safeURL(proxy))
}

// safeURL shows a URL without its user information; a proxy written
// without a scheme is read as http, as the HTTP client does.
func safeURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		u, err = url.Parse("http://" + s)
	}
	if err != nil || u.Host == "" {
		return "not a URL"
	}
	return u.Scheme + "://" + u.Host + u.EscapedPath()
}

// unreachable reports whether err means the Bot API itself did not answer
// as one: no connection, a timeout, a name that does not resolve, or an
// answer that is no Bot API JSON (a proxy's or captive portal's page).
func unreachable(err error) bool {
	var ne net.Error
	var se *json.SyntaxError
	return errors.As(err, &ne) || errors.As(err, &se)
}

// ReachHint implements outbox.ReachHinter: for a send that failed because
// the Bot API could not be reached, what to check.
func (s *Sender) ReachHint(err error) string {
	if !unreachable(err) {
		return ""
	}
	return reachHint(s.apiURL, os.Getenv)
}
