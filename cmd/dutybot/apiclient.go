package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"dutybot/config"
)

// The roster, ledger and backup commands talk to the running dutybot's
// HTTP API when it holds the database.

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

// apiClient calls the running dutybot's roster API.
type apiClient struct {
	base, token string
	http        *http.Client
}

func newAPIClient(cfg *config.Config) (*apiClient, error) {
	if cfg.HTTP.APIToken == "" {
		return nil, errors.New("set http.api_token_file or DUTYBOT_API_TOKEN to the running dutybot's API token")
	}
	return &apiClient{base: apiBase(cfg), token: cfg.HTTP.APIToken, http: &http.Client{Timeout: time.Minute}}, nil
}

func (c *apiClient) do(method, path string, body []byte) (*http.Response, []byte, error) {
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot reach the running dutybot at %s (is http.listen right?): %w", c.base, unwrapURL(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the answer of %s: %w", c.base, err)
	}
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		return nil, nil, fmt.Errorf("%s refused the API token: check http.api_token_file or DUTYBOT_API_TOKEN", c.base)
	case http.StatusServiceUnavailable:
		var e struct{ Error string }
		_ = json.Unmarshal(data, &e)
		return nil, nil, fmt.Errorf("%s: %s", c.base, e.Error)
	}
	return resp, data, nil
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
func apiGet(cfg *config.Config, path string) (*http.Response, []byte, error) {
	client, err := newAPIClient(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("%s is in use by the running dutybot and %v", cfg.Storage.Path, err)
	}
	resp, body, err := client.do("GET", path, nil)
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error string }
		if json.Unmarshal(body, &e) == nil && e.Error != "" {
			return resp, nil, fmt.Errorf("%s: %s", client.base, e.Error)
		}
		return resp, nil, fmt.Errorf("%s answered %s: %s", client.base, resp.Status, body)
	}
	return resp, body, nil
}
