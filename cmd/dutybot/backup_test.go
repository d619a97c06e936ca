package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"dutybot/callout"
	"dutybot/config"
	"dutybot/storage"
)

// stopChild stops a dutybot process with SIGTERM and waits for it.
func stopChild(t *testing.T, c *child) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		t.Fatal("dutybot still running 10s after SIGTERM")
	}
}

// createAlerts creates alerts over the API until stop is closed; it
// returns how many were created.
func (e *crashEnv) createAlerts(stop <-chan struct{}, workers int) *atomic.Int64 {
	var n atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				code, body := e.do("POST", "/api/v1/alerts",
					fmt.Sprintf(`{"title":"备份演练 %d-%d","body":"写入负载","level":"blue","targets":{"all":true}}`, w, i))
				if code != http.StatusCreated {
					e.t.Errorf("create alert under load: %d %s", code, body)
					return
				}
				n.Add(1)
			}
		}()
	}
	go func() { <-stop; wg.Wait() }()
	return &n
}

var eventsRE = regexp.MustCompile(`its (\d+) events match their hash chain; head #(\d+) ([0-9a-f]{64})`)

// A backup taken while dutybot runs and writes is a consistent copy: it
// opens, its chain holds, every alert its log names is in it, and dutybot
// runs on it after a restore.
func TestBackupLiveDatabaseRestores(t *testing.T) {
	e := newCrashEnv(t)
	bot := e.start("dutybot")
	e.waitHealthy(bot)
	t.Setenv("DUTYBOT_TELEGRAM_TOKEN", "")
	t.Setenv("DUTYBOT_API_TOKEN", crashAPIToken)
	dir := t.TempDir()

	stop := make(chan struct{})
	created := e.createAlerts(stop, 4)
	for created.Load() < 20 {
		time.Sleep(10 * time.Millisecond)
	}
	var copies []string
	var heads []uint64
	for i := range 3 {
		file := filepath.Join(dir, fmt.Sprintf("backup-%d.db", i))
		code, out, errOut := runCLI(t, "backup", "-config", e.cfgPath, file)
		if code != 0 {
			t.Fatalf("backup under load: %d\n%s\n%s", code, out, errOut)
		}
		mustContain(t, "backup output", out, "through the running dutybot's HTTP API at "+e.baseURL, "the copy opens")
		m := eventsRE.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("backup output lacks the chain check:\n%s", out)
		}
		var head uint64
		fmt.Sscan(m[2], &head)
		copies, heads = append(copies, file), append(heads, head)
		time.Sleep(100 * time.Millisecond)
	}
	close(stop)
	if heads[2] <= heads[0] {
		t.Errorf("the log did not grow between backups: heads %v", heads)
	}
	t.Logf("%d alerts created during the backups; heads %v", created.Load(), heads)

	// Each copy is complete in itself: opened as dutybot opens its file.
	for _, file := range copies {
		db, err := storage.Open(file)
		if err != nil {
			t.Fatalf("%s does not open: %v", file, err)
		}
		err = db.View(func(tx *storage.Tx) error {
			if r := tx.VerifyChain(); !r.OK() {
				t.Errorf("%s: chain %+v", file, r)
			}
			evs, err := tx.Events(0, 1<<20)
			if err != nil {
				return err
			}
			alerts := 0
			for _, ev := range evs {
				if ev.Type != storage.EvCreated {
					continue
				}
				alerts++
				a, err := callout.LoadAlert(tx, ev.Alert)
				rs, rerr := callout.Recipients(tx, ev.Alert)
				if err != nil || rerr != nil || len(rs) != a.Total || a.Total != 5 {
					t.Errorf("%s: alert %s half there: %+v %v, %d recipients %v", file, ev.Alert, a, err, len(rs), rerr)
				}
			}
			if alerts == 0 {
				t.Errorf("%s holds no alerts", file)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
	}

	// The copy in place, dutybot starts on it and knows its alerts.
	stopChild(t, bot)
	var lastAlert string
	cfg, err := config.Load(e.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	db, _ := storage.OpenReadOnly(copies[2])
	_ = db.View(func(tx *storage.Tx) error {
		evs, _ := tx.Events(0, 1<<20)
		for _, ev := range evs {
			if ev.Type == storage.EvCreated {
				lastAlert = ev.Alert
			}
		}
		return nil
	})
	db.Close()
	if err := os.Rename(copies[2], cfg.Storage.Path); err != nil {
		t.Fatal(err)
	}
	// Direct backup of the restored file while dutybot is stopped.
	direct := filepath.Join(dir, "direct.db")
	code, out, errOut := runCLI(t, "backup", "-config", e.cfgPath, direct)
	if code != 0 || !strings.Contains(out, "directly (dutybot is not running)") || !strings.Contains(out, fmt.Sprintf("head #%d", heads[2])) {
		t.Errorf("direct backup: %d\n%s\n%s", code, out, errOut)
	}
	bot = e.start("dutybot restored")
	e.waitHealthy(bot)
	if code, body := e.do("GET", "/api/v1/alerts/"+lastAlert, ""); code != http.StatusOK {
		t.Errorf("restored dutybot does not know alert %s: %d %s", lastAlert, code, body)
	}
	code, out, errOut = runCLI(t, "ledger", "verify", "-config", e.cfgPath)
	if code != 0 || !strings.Contains(out, "ledger OK") || !strings.Contains(out, "the running dutybot's HTTP API") {
		t.Errorf("verify after restore: %d\n%s\n%s", code, out, errOut)
	}
}

func TestBackupRefuses(t *testing.T) {
	cfgPath := writeConfig(t, validConfig)
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	db, err := storage.Open(cfg.Storage.Path)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	exists := filepath.Join(t.TempDir(), "exists.db")
	if err := os.WriteFile(exists, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"backup", "-config", cfgPath}, 2, "name the file"},
		{[]string{"backup", "-config", cfgPath, "a.db", "b.db"}, 2, `unexpected argument "b.db"`},
		{[]string{"backup", "-config", cfgPath, cfg.Storage.Path}, 2, "is the database itself"},
		{[]string{"backup", "-config", cfgPath, exists}, 1, "exists; use -force"},
	}
	for _, tc := range tests {
		code, _, errOut := runCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.stderr) {
			t.Errorf("%v: %d %q, want %d %q", tc.args, code, errOut, tc.code, tc.stderr)
		}
	}
	if data, _ := os.ReadFile(exists); string(data) != "keep me" {
		t.Error("a refused backup changed the existing file")
	}
	code, out, errOut := runCLI(t, "backup", "-config", cfgPath, "-force", exists)
	if code != 0 || !strings.Contains(out, "the copy opens") {
		t.Errorf("-force: %d %s %s", code, out, errOut)
	}
	if _, err := os.Stat(exists + ".partial"); !os.IsNotExist(err) {
		t.Errorf("the partial file was left behind: %v", err)
	}
	code, out, _ = runCLI(t, "backup", "help")
	if code != 0 || !strings.Contains(out, "To restore, stop") {
		t.Errorf("backup help: %d %s", code, out)
	}
}

// The ledger commands read the file directly while dutybot is stopped and
// through its API while it runs; verify catches an event edited and one
// deleted in the file.
func TestLedgerCLI(t *testing.T) {
	e := newCrashEnv(t)
	bot := e.start("dutybot")
	e.waitHealthy(bot)
	t.Setenv("DUTYBOT_TELEGRAM_TOKEN", "")
	t.Setenv("DUTYBOT_API_TOKEN", crashAPIToken)
	e.bind(cuZhang)
	var ids []string
	for i := range 3 {
		code, body := e.do("POST", "/api/v1/alerts", fmt.Sprintf(`{"title":"台账演练 %d","body":"请回复","level":"red","targets":{"officials":["o-zhang"]}}`, i))
		if code != http.StatusCreated {
			t.Fatalf("create: %d %s", code, body)
		}
		var out struct{ ID string }
		_ = json.Unmarshal(body, &out)
		ids = append(ids, out.ID)
	}
	e.waitOutboxEmpty()
	dir := t.TempDir()
	today := time.Now().In(mustLoc(t)).Format(time.DateOnly)

	// Through the running bot.
	code, out, errOut := runCLI(t, "ledger", "verify", "-config", e.cfgPath)
	if code != 0 || !strings.Contains(out, "ledger OK") || !strings.Contains(out, "HTTP API at "+e.baseURL) {
		t.Fatalf("verify via API: %d\n%s\n%s", code, out, errOut)
	}
	viaAPI := filepath.Join(dir, "api.xlsx")
	code, out, errOut = runCLI(t, "ledger", "export", "-config", e.cfgPath, "-from", today, "-to", today, viaAPI)
	if code != 0 || !strings.Contains(out, ": 3 calls") || !strings.Contains(out, "from the running dutybot's HTTP API") {
		t.Errorf("export via API: %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = runCLI(t, "ledger", "show", "-config", e.cfgPath, ids[1])
	if code != 0 || !strings.Contains(out, ids[1]+" 红色 叫应「台账演练 1」") || !strings.Contains(out, "张明 (o-zhang)") {
		t.Errorf("show via API: %d\n%s", code, out)
	}
	if code, _, errOut = runCLI(t, "ledger", "show", "-config", e.cfgPath, "20000101-0001"); code != 1 || !strings.Contains(errOut, "no alert") {
		t.Errorf("show of an unknown alert: %d %s", code, errOut)
	}
	stopChild(t, bot)

	// Directly from the file.
	code, out, _ = runCLI(t, "ledger", "verify", "-config", e.cfgPath)
	m := regexp.MustCompile(`chain head #(\d+) ([0-9a-f]{64})`).FindStringSubmatch(out)
	if code != 0 || m == nil || !strings.Contains(out, "ledger OK") {
		t.Fatalf("verify: %d\n%s", code, out)
	}
	head := m[1] + ":" + m[2]
	code, out, _ = runCLI(t, "ledger", "verify", "-config", e.cfgPath, "-witness", head)
	if code != 0 || !strings.Contains(out, "matches") {
		t.Errorf("verify with the right witness: %d\n%s", code, out)
	}
	direct := filepath.Join(dir, "direct.xlsx")
	code, out, errOut = runCLI(t, "ledger", "export", "-config", e.cfgPath, "-from", today, "-to", today, "-official", "o-zhang", direct)
	if code != 0 || !strings.Contains(out, ": 3 calls") || !strings.Contains(out, "from "+filepath.Dir(e.cfgPath)) {
		t.Errorf("export from the file: %d\n%s\n%s", code, out, errOut)
	}
	for _, bad := range [][]string{{"-unit", "nowhere"}, {"-from", "yesterday"}, {"-official", "o-nobody"}} {
		args := append([]string{"ledger", "export", "-config", e.cfgPath}, bad...)
		if code, _, errOut := runCLI(t, append(args, filepath.Join(dir, "bad.xlsx"))...); code != 2 || errOut == "" {
			t.Errorf("%v: %d %s", bad, code, errOut)
		}
	}
	code, out, _ = runCLI(t, "ledger", "show", "-config", e.cfgPath, ids[0])
	if code != 0 || !strings.Contains(out, " 应答 ") && !strings.Contains(out, " 送达 ") {
		t.Errorf("show from the file: %d\n%s", code, out)
	}

	// Someone edits one event and deletes another in the file.
	cfg, _ := config.Load(e.cfgPath)
	raw, err := bolt.Open(cfg.Storage.Path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var edited, deleted uint64 = 4, 6
	err = raw.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("events"))
		key := func(n uint64) []byte { return []byte{0, 0, 0, 0, 0, 0, byte(n >> 8), byte(n)} }
		var ev map[string]any
		if err := json.Unmarshal(b.Get(key(edited)), &ev); err != nil {
			return err
		}
		ev["actor"] = "o-he"
		data, _ := json.Marshal(ev)
		if err := b.Put(key(edited), data); err != nil {
			return err
		}
		return b.Delete(key(deleted))
	})
	raw.Close()
	if err != nil {
		t.Fatal(err)
	}
	code, out, _ = runCLI(t, "ledger", "verify", "-config", e.cfgPath)
	if code != 1 || !strings.Contains(out, fmt.Sprintf("ledger BROKEN at event #%d: changed", edited)) {
		t.Errorf("verify after tampering: %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, "ledger", "verify", "-config", e.cfgPath, "-witness", head)
	if code != 1 || !strings.Contains(out, "DOES NOT MATCH") && !strings.Contains(out, "BROKEN") {
		t.Errorf("verify with a witness after tampering: %d\n%s", code, out)
	}
	if code, _, errOut := runCLI(t, "ledger", "verify", "-config", e.cfgPath, "-witness", "12:xyz"); code != 2 || !strings.Contains(errOut, "is not an event number") {
		t.Errorf("bad witness: %d %s", code, errOut)
	}
}

func mustLoc(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
