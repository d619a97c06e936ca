package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"dutybot/api"
	"dutybot/config"
	"dutybot/roster"
)

// The roster, ledger, backup and quarantine commands talk to the running
// dutybot's HTTP API when it holds the database. What goes wrong there is
// told as what happened and what to do, in one sentence each: the command's
// configuration may differ from the one the bot runs with, so a message
// says which side lacks what.

// apiBase is the URL of the running dutybot's HTTP API, from http.listen:
// a wildcard host is reached on loopback.
func apiBase(cfg *config.Config) string {
	host, port, err := net.SplitHostPort(cfg.HTTP.Listen)
	if err != nil {
		return "http://" + cfg.HTTP.Listen
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// apiTimeout bounds one API call of a command; a backup streams without it.
const apiTimeout = time.Minute

// apiClient calls the running dutybot's HTTP API for a command.
type apiClient struct {
	base, token string
	cfgPath     string // the command's configuration file, for messages
	dbPath      string // storage.path, for messages
	tokenFrom   string // where the token came from, for messages
	http        *http.Client
}

// newAPIClient prepares calls to the running dutybot that holds the
// database of cfg (loaded from cfgPath, secrets resolved); without an API
// token it says why there is none and what to set.
func newAPIClient(cfg *config.Config, cfgPath string) (*apiClient, error) {
	if cfg.HTTP.APIToken == "" {
		return nil, fmt.Errorf("the database %s is in use by a running dutybot, so this command goes through its HTTP API, "+
			"which needs the API token the bot runs with%s", cfg.Storage.Path, tokenProblem(cfg, cfgPath))
	}
	from := config.EnvAPIToken
	if f := cfg.HTTP.APITokenFile; f != "" {
		from = fmt.Sprintf("http.api_token_file %q of %s", f, cfgPath)
	}
	return &apiClient{base: apiBase(cfg), token: cfg.HTTP.APIToken, cfgPath: cfgPath, dbPath: cfg.Storage.Path,
		tokenFrom: from, http: &http.Client{}}, nil
}

// tokenProblem tells why cfg has no API token and what to do about it,
// to end newAPIClient's sentence.
func tokenProblem(cfg *config.Config, cfgPath string) string {
	file := cfg.HTTP.APITokenFile
	if file == "" {
		return fmt.Sprintf(": set http.api_token_file in %s (it is not set, and neither is %s); "+
			"if the bot runs without one, set it in the bot's configuration too and restart the bot", cfgPath, config.EnvAPIToken)
	}
	data, err := os.ReadFile(file)
	var pe *fs.PathError
	switch {
	case errors.As(err, &pe):
		return fmt.Sprintf(", but http.api_token_file %q of %s cannot be read (%v): run the command as a user who may read it",
			file, cfgPath, pe.Err)
	case err != nil:
		return fmt.Sprintf(", but http.api_token_file %q of %s cannot be read (%v)", file, cfgPath, err)
	case strings.TrimSpace(string(data)) == "":
		return fmt.Sprintf(", but http.api_token_file %q of %s is empty: put the bot's token in it", file, cfgPath)
	}
	return fmt.Sprintf(", but http.api_token_file %q of %s gave none", file, cfgPath)
}

// request sends a request and returns the answer with its body still open,
// or an error for what the command cannot go on from: the bot cannot be
// reached, it refused the token, or it has its API turned off. A timeout of
// zero means none.
func (c *apiClient) request(method, path string, body []byte, timeout time.Duration) (*http.Response, context.CancelFunc, error) {
	ctx, cancel := context.Background(), context.CancelFunc(func() {})
	if timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, timeout)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		cancel()
		return nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		cancel()
		return nil, nil, fmt.Errorf("the database %s is in use by a running dutybot, but its HTTP API at %s (http.listen of %s) "+
			"cannot be reached (%v): start the command with the configuration the bot runs with, or wait while the bot starts or stops",
			c.dbPath, c.base, c.cfgPath, unwrapURL(err))
	}
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		resp.Body.Close()
		cancel()
		return nil, nil, fmt.Errorf("the running dutybot at %s refused the API token of %s: give the command the token the bot runs with",
			c.base, c.tokenFrom)
	case http.StatusServiceUnavailable:
		// On the endpoints these commands use, the bot answers 503 only
		// when it has no API token of its own.
		resp.Body.Close()
		cancel()
		return nil, nil, fmt.Errorf("the running dutybot at %s has its HTTP API turned off because it was started without an API token: "+
			"set http.api_token_file in the configuration it runs with (or %s in its environment), restart it, and run this command again",
			c.base, config.EnvAPIToken)
	}
	return resp, cancel, nil
}

// do sends a request and reads the whole answer; the status is the
// caller's to judge.
func (c *apiClient) do(method, path string, body []byte) (*http.Response, []byte, error) {
	resp, cancel, err := c.request(method, path, body, apiTimeout)
	if err != nil {
		return nil, nil, err
	}
	defer cancel()
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("the answer of the running dutybot at %s broke off: %w", c.base, err)
	}
	return resp, data, nil
}

// answerError turns an answer the command did not expect into an error:
// the bot's own reason when it gave one, else a hint that something other
// than this dutybot answered.
func (c *apiClient) answerError(method, path string, resp *http.Response, body []byte) error {
	var e struct{ Error string }
	if json.Unmarshal(body, &e) == nil && e.Error != "" {
		return fmt.Errorf("the running dutybot at %s: %s", c.base, e.Error)
	}
	if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed {
		return fmt.Errorf("%s answered %s to %s %s: check that http.listen of %s is the address the running dutybot listens on, "+
			"and that it is as new as this command", c.base, resp.Status, method, strings.SplitN(path, "?", 2)[0], c.cfgPath)
	}
	const shown = 200
	if len(body) > shown {
		body = append(body[:shown:shown], "…"...)
	}
	return fmt.Errorf("the running dutybot at %s answered %s: %s", c.base, resp.Status, bytes.TrimSpace(body))
}

// unwrapURL drops the request URL from a client error; the caller names
// the server.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// apiGet fetches path from the running dutybot; a status other than 200
// is an error with the server's reason.
func apiGet(cfg *config.Config, cfgPath, path string) (*http.Response, []byte, error) {
	client, err := newAPIClient(cfg, cfgPath)
	if err != nil {
		return nil, nil, err
	}
	resp, body, err := client.do("GET", path, nil)
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return resp, nil, client.answerError("GET", path, resp, body)
	}
	return resp, body, nil
}

// upload sends an import file to the running dutybot's endpoint (roster,
// enterprises). On success it returns the answer's body. Otherwise it
// prints why, for command, and returns ok false; rej is the bot's refusal
// when it named rows or clashes, for the caller to list.
func upload(cfg *config.Config, cfgPath, command, file, endpoint string, stderr io.Writer) (body []byte, base string, rej *api.RosterErrorJSON, ok bool) {
	client, err := newAPIClient(cfg, cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "dutybot %s: %v\nnothing was imported\n", command, err)
		return nil, "", nil, false
	}
	data, err := os.ReadFile(file)
	if err != nil {
		fmt.Fprintf(stderr, "dutybot %s: %v\n", command, err)
		return nil, "", nil, false
	}
	resp, body, err := client.do("POST", endpoint, data)
	if err != nil {
		fmt.Fprintf(stderr, "dutybot %s: %v\nnothing was imported\n", command, err)
		return nil, "", nil, false
	}
	if resp.StatusCode != http.StatusOK {
		var r api.RosterErrorJSON
		if err := json.Unmarshal(body, &r); err != nil || r.Error == "" {
			fmt.Fprintf(stderr, "dutybot %s: %v\nnothing was imported\n", command, client.answerError("POST", endpoint, resp, body))
			return nil, "", nil, false
		}
		if len(r.Rows) == 0 && len(r.Conflicts) == 0 {
			fmt.Fprintf(stderr, "dutybot %s: %s\nnothing was imported\n", command, r.Error)
			return nil, "", nil, false
		}
		return nil, "", &r, false
	}
	return body, client.base, nil, true
}

// rowErrors are the rows a running dutybot refused. The bot found problems
// this command did not (its configuration differs): they come in English.
func rowErrors(rej *api.RosterErrorJSON) roster.Errors {
	rows := roster.Errors{Total: len(rej.Rows) + rej.More}
	for _, r := range rej.Rows {
		rows.List = append(rows.List, roster.RowError{Row: r.Row, Column: r.Column, Err: errors.New(r.Error)})
	}
	return rows
}
