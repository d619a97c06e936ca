package app_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dutybot/app"
	"dutybot/bot/fakeapi"
	"dutybot/config"
	"dutybot/storage"
)

// limitedApp runs an app (HTTP only, no Telegram polling) whose HTTP server
// has the given limits, and returns it with its base URL.
func limitedApp(t *testing.T, limits app.HTTPLimits) (*app.App, string) {
	t.Helper()
	srv := fakeapi.New(fakeapi.Options{Token: testToken})
	t.Cleanup(srv.Close)
	cfg, err := config.Parse([]byte(fmt.Sprintf(testConfig, srv.URL(), filepath.Join(t.TempDir(), "dutybot.db"))))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Telegram.Token, cfg.HTTP.APIToken = testToken, testAPIToken
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := runApp(t, cfg, app.Options{Listener: ln, NoBot: true, HTTPLimits: limits})
	return a, "http://" + ln.Addr().String()
}

// TestSlowClientsAreCutOff: the HTTP server had a header timeout of 10 s
// and no read timeout, so a client trickling its request body (or its
// headers, up to 10 s each) held a connection and a goroutine for as long
// as it liked. With the limits it is cut off.
func TestSlowClientsAreCutOff(t *testing.T) {
	_, base := limitedApp(t, app.HTTPLimits{ReadHeader: 200 * time.Millisecond, Read: 400 * time.Millisecond})
	addr := strings.TrimPrefix(base, "http://")
	tests := []struct {
		name, start string // sent at once; then one byte at a time, for ever
	}{
		{"headers", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "},
		{"body", "POST /api/v1/alerts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + testAPIToken +
			"\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"title\":\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, tt.start); err != nil {
				t.Fatal(err)
			}
			stop := make(chan struct{})
			defer close(stop)
			go func() { // the slowloris: a byte every 20 ms
				for {
					select {
					case <-stop:
						return
					case <-time.After(20 * time.Millisecond):
						if _, err := io.WriteString(conn, "x"); err != nil {
							return
						}
					}
				}
			}()
			// The server closes the connection (after an error answer, if
			// it got as far as a handler); a client still connected after
			// 5 s was not cut off.
			_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, err = io.Copy(io.Discard, conn)
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatal("the slow client was not cut off within 5 s")
			}
		})
	}
	// Everyone else is still served.
	resp, err := http.Get(base + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
}

// TestBackupOutlivesTheWriteTimeout: the write timeout bounds a whole
// answer, but a backup of a big database to a slow reader takes longer;
// it must arrive whole.
func TestBackupOutlivesTheWriteTimeout(t *testing.T) {
	a, base := limitedApp(t, app.HTTPLimits{Write: 300 * time.Millisecond})
	// 32 MiB: more than the loopback socket buffers hold, so the server
	// writes for as long as the client takes to read.
	if err := a.DB.Update(func(tx *storage.Tx) error {
		return tx.PutMeta("test_filler", strings.Repeat("x", 32<<20))
	}); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", base+"/api/v1/backup", nil)
	req.Header.Set("Authorization", "Bearer "+testAPIToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("backup: %v %v", resp, err)
	}
	defer resp.Body.Close()
	began, n, sinceNap := time.Now(), 0, 0
	buf := make([]byte, 64<<10)
	for {
		k, err := resp.Body.Read(buf)
		n, sinceNap = n+k, sinceNap+k
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the backup broke off after %d bytes and %v: %v", n, time.Since(began).Round(time.Millisecond), err)
		}
		if sinceNap >= 1<<20 {
			time.Sleep(30 * time.Millisecond) // a slow reader: a second or more in all
			sinceNap = 0
		}
	}
	if n < 32<<20 {
		t.Fatalf("the backup is %d bytes", n)
	}
}
