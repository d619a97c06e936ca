// Command dutyload measures the figures dutybot's 叫应 core is held to:
//
//	dutyload fanout      [-n 1000]    one alert to n bound officials against a fake Bot API enforcing Telegram's limits
//	dutyload warn        [-n 1000]    a red rainstorm warning with 熔断 to n officials: calls, checklists, board, 429s
//	dutyload acks        [-n 10000]   acknowledgements durably recorded per second (engine)
//	dutyload acks-bot    [-n 5000]    the same through Telegram updates, the bot and callback answers
//	dutyload punctuality [-n 10000]   lateness of escalation deadlines with n pending
//	dutyload mytasks     [-n 2000]    a year of reports, then /mytasks latency (run from the repository root)
//	dutyload startup     [-n 10000] [-officials 100]  start-up time and memory with n pending recipients
//	dutyload ledger      [-n 200]     a year of an n-official town (and of 2,000 enterprises' hazards), then the 履职档案 export: time and size
//	dutyload verify      [-n 1000000] n chained events, then the time to verify the chain
//	dutyload noise       [-year 2026] [-ontime 0.9] [-seed 1]  a year of the example town: messages per official and day (run from the repository root)
//	dutyload flood       [-n 20] [-strangers 300]  a red call to n officials right after strangers flood the bot (/start, a text, someone else's contact each): delay vs no flood
//	dutyload crash-presses [-n 300] [-rounds 10]  kill -9 a dutybot process mid-burst of n presses, rounds times: presses lost and handled twice
//	dutyload group-burst [-n 50] [-alerts 6]  a 叫应 in a work group of n, all pressing within a second, under 20 a minute per group: last press → group shows it, edits a minute, 429s
//	dutyload ha-compare  [-n N]       acks, fanout (1,000), punctuality (10,000) and startup on bbolt and on PostgreSQL: one table
//	dutyload takeover    [-rounds 10] [-takeover 3s] [-bin PATH]  two dutybot processes on one PostgreSQL database; kill -9 the leader after each call: takeover time, step lateness, duplicates, losses
//	dutyload phone       [-n 1000] [-concurrency 20] [-latency 50ms] [-per-second 0]  电话叫应 of n silent staff through a fake Tencent: due → request delay, calls a second, refusals, cost per alert
//
// fanout, acks, punctuality, startup and phone take -driver bbolt|postgres; with
// postgres (and ha-compare, takeover) a durable PostgreSQL is started for
// the run (Debian's postgresql, through pgtest), or -dsn names a server.
//
// Everything runs on loopback against bot/fakeapi; nothing leaves the machine.
package main

import (
	"cmp"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"

	"dutybot/app"
	"dutybot/bot/fakeapi"
	"dutybot/callout"
	"dutybot/config"
	"dutybot/storage"
)

const token = "777000:LOAD-TEST-TOKEN"

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	cmd, args := os.Args[1], os.Args[2:]
	fs := flag.NewFlagSet(cmd, flag.ExitOnError)
	n := fs.Int("n", 0, "number of officials / recipients")
	workers := fs.Int("workers", 64, "concurrent acknowledgers (acks)")
	spread := fs.Duration("spread", 10*time.Second, "how far the deadlines are spread (punctuality); 0 = all at once")
	cfgPath := fs.String("config", "", "config file (startup-child, serve-child)")
	officials := fs.Int("officials", 100, "officials in the town (startup): n recipients = n/officials alerts to everyone")
	year := fs.Int("year", 2026, "the year to simulate (noise)")
	onTime := fs.Float64("ontime", 0.9, "share of duty items reported on time (noise)")
	seed := fs.Uint64("seed", 1, "seed of the simulation's choices (noise)")
	dir := fs.String("dir", memoryDir(), "directory for the throw-away database (noise); default /dev/shm when present")
	strangers := fs.Int("strangers", 300, "flooding accounts (flood)")
	rounds := fs.Int("rounds", 10, "kills to repeat (crash-presses, takeover)")
	groupRounds := fs.Int("alerts", 6, "alerts posted one after another (group-burst)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile to this file")
	driver := fs.String("driver", config.DriverBolt, "storage of fanout, acks, punctuality, startup and phone: bbolt or postgres")
	dsn := fs.String("dsn", "", "a running PostgreSQL server (connection string without dbname) instead of starting one; databases dutyload_* are created and dropped on it")
	bin := fs.String("bin", "", "the dutybot binary (takeover); default: go build ./cmd/dutybot from the repository around the working directory")
	takeoverTime := fs.Duration("takeover", 3*time.Second, "ha.takeover of the instances (takeover)")
	ackRate := fs.Float64("ackrate", 0, "acknowledgements pressed per second during the fan-out (broadcast)")
	fromDirectory := fs.Bool("directory", false, "the officials come from a 通讯录 CSV (directory.file) instead of the YAML list (startup)")
	routine := fs.Bool("routine", false, "queue a routine message to everyone just before the alert (broadcast)")
	concurrency := fs.Int("concurrency", 20, "the phone provider's stated concurrency, and phone.concurrency (phone)")
	latency := fs.Duration("latency", 50*time.Millisecond, "how long the fake provider takes to answer a request (phone)")
	perSecond := fs.Float64("per-second", 0, "phone.per_second; 0 = no cap (phone)")
	_ = fs.Parse(args)
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "dutyload:", err)
			os.Exit(1)
		}
		_ = pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	var err error
	switch cmd {
	case "fanout":
		err = withBackend(*driver, *dsn, func(b *backend) error { _, err := fanout(b, def(*n, 1000)); return err })
	case "broadcast":
		err = withBackend(*driver, *dsn, func(b *backend) error {
			_, err := broadcast(b, def(*n, 10000), broadcastOptions{ackRate: *ackRate, routine: *routine})
			return err
		})
	case "warn":
		err = warnLoad(def(*n, 1000))
	case "acks":
		err = withBackend(*driver, *dsn, func(b *backend) error { _, _, err := acks(b, def(*n, 10000), *workers); return err })
	case "acks-bot":
		err = acksViaBot(def(*n, 5000))
	case "punctuality":
		err = withBackend(*driver, *dsn, func(b *backend) error { _, err := punctuality(b, def(*n, 10000), *spread); return err })
	case "mytasks":
		err = mytasks(def(*n, 2000))
	case "startup":
		err = withBackend(*driver, *dsn, func(b *backend) error {
			_, err := startup(b, def(*n, 10000), *officials, *fromDirectory)
			return err
		})
	case "startup-child":
		err = startupChild(*cfgPath)
	case "ledger":
		err = ledgerLoad(def(*n, 200))
	case "verify":
		err = verifyLoad(def(*n, 1000000))
	case "noise":
		err = noiseLoad(*year, *onTime, *seed, *dir)
	case "flood":
		err = flood(def(*n, 20), *strangers)
	case "crash-presses":
		err = pressCrash(def(*n, 300), *rounds)
	case "group-burst":
		err = groupBurst(def(*n, 50), def(*groupRounds, 6))
	case "serve-child":
		err = serveChild(*cfgPath)
	case "ha-compare":
		err = haCompare(*n, *workers, *spread, *officials, *dsn)
	case "takeover":
		err = takeoverLoad(*rounds, *takeoverTime, *bin, *dsn)
	case "phone":
		err = withBackend(*driver, *dsn, func(b *backend) error {
			res, err := phoneLoad(b, phoneOptions{n: def(*n, 1000), concurrency: *concurrency, latency: *latency, perSecond: *perSecond}, os.Stdout)
			if err != nil {
				return err
			}
			if f := res.failures(); len(f) > 0 {
				return fmt.Errorf("phone: %s", strings.Join(f, "; "))
			}
			return nil
		})
	default:
		usage()
		os.Exit(2)
	}
	if err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "dutyload:", err)
		os.Exit(1)
	}
}

func def(v, d int) int {
	if v > 0 {
		return v
	}
	return d
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: dutyload broadcast [-n N] [-ackrate R] [-routine] | fanout|warn|acks|acks-bot|punctuality|mytasks|startup|ledger|verify [-n N] | noise [-year Y] [-ontime F] [-seed S] | flood [-n N] [-strangers S] | crash-presses [-n N] [-rounds R] | group-burst [-n N] [-alerts A] | ha-compare [-n N] | takeover [-rounds R] [-takeover D] [-bin PATH] | phone [-n N] [-concurrency C] [-latency D] [-per-second R]; -driver bbolt|postgres [-dsn DSN]")
}

// quiet is a logger for the app under load: warnings and errors only.
func quiet() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// userID is the Telegram id of generated official i.
func userID(i int) int64 { return 5_000_000 + int64(i) }

// townUnit is a unit of the generated town.
type townUnit struct {
	id, name string
	tags     []string
}

// townUnits are the generated town's ten units. They carry the ids of the
// built-in plan's 责任单位, and the tags of its groups (农办 stands in for
// the villages), so the plan finds every unit it names: none of it is
// skipped and nothing is warned about, as in a town configured right. The
// departments with supervisory duty come first, so that from three staff
// on each has the staff its daily inspections (14.2) are owed by.
var townUnits = []townUnit{
	{"yjb", "应急办", []string{"supervisory"}},
	{"jfb", "经发办", []string{"yigang", "supervisory"}},
	{"gjb", "规建办", []string{"yigang", "supervisory"}},
	{"dzb", "党政办", []string{"yigang"}},
	{"nb", "农办", []string{"yigang", "village"}},
	{"awb", "安委办", nil},
	{"awc", "安委会", nil},
	{"jw", "纪委", nil},
	{"djb", "党建办", nil},
	{"czs", "财政所", nil},
}

// unitID is the id of the generated town's unit u (0 to 9).
func unitID(u int) string { return townUnits[u%len(townUnits)].id }

// unitIDs lists the generated town's unit ids, comma-separated.
func unitIDs() string {
	ids := make([]string, len(townUnits))
	for i, u := range townUnits {
		ids[i] = u.id
	}
	return strings.Join(ids, ", ")
}

// townYAML generates a configuration with n officials in 10 units, all
// pre-bound through telegram_id, and the given escalation steps. The
// plan's own messages (agendas, calls for overdue items) are switched off:
// the figures are those of the 叫应 core, as they were before the town's
// units matched the plan.
func townYAML(n int, apiURL, dbPath, listen, steps string) string {
	return townConfig(n, apiURL, listen, steps, townSpec{storageYAML: "storage:\n  path: " + dbPath + "\n"})
}

// townSpec is what sets one generated town's configuration apart.
type townSpec struct {
	lang        string // language; zh-CN when empty
	poll        string // telegram.poll_timeout; 10s when empty
	storageYAML string // the storage section and any other top-level one (backend.storageYAML, ha)
	headsBound  bool   // the unit heads are pre-bound too (headUserID)
	// directory, when set, is the 通讯录 file (directory.file) the staff
	// come from instead of the YAML list; writeDirectory writes it.
	directory string
}

// townConfig is townYAML with the storage section, and what else s says,
// given.
func townConfig(n int, apiURL, listen, steps string, s townSpec) string {
	lang, poll := cmp.Or(s.lang, "zh-CN"), cmp.Or(s.poll, "10s")
	var b strings.Builder
	fmt.Fprintf(&b, "timezone: Asia/Shanghai\nlanguage: %s\ntelegram:\n  api_url: %s\n  poll_timeout: %s\n", lang, apiURL, poll)
	fmt.Fprintf(&b, "%shttp:\n  listen: %s\nunits:\n", s.storageYAML, listen)
	for u, tu := range townUnits {
		fmt.Fprintf(&b, "  - {id: %s, name: %s, head: o-head%d, leader: o-leader, tags: [%s]}\n", tu.id, tu.name, u, strings.Join(tu.tags, ", "))
	}
	b.WriteString("officials:\n")
	fmt.Fprintf(&b, "  - {id: o-leader, name: 分管领导, phone: \"13700000001\", unit: %s, roles: [leader]}\n", unitID(0))
	fmt.Fprintf(&b, "  - {id: o-chief, name: 主要负责人, phone: \"13700000002\", unit: %s, roles: [principal, admin]}\n", unitID(0))
	for u := range townUnits {
		bound := ""
		if s.headsBound {
			bound = fmt.Sprintf(", telegram_id: %d", headUserID(u))
		}
		fmt.Fprintf(&b, "  - {id: o-head%d, name: 负责人%d, phone: \"136%08d\", unit: %s, roles: [unit_head]%s}\n", u, u, u, unitID(u), bound)
	}
	for i := 0; i < n && s.directory == ""; i++ {
		fmt.Fprintf(&b, "  - {id: o-%d, name: 人员%d, phone: \"139%08d\", unit: %s, roles: [staff], telegram_id: %d}\n", i, i, i, unitID(i), userID(i))
	}
	if s.directory != "" {
		fmt.Fprintf(&b, "directory:\n  file: %s\n", s.directory)
	}
	fmt.Fprintf(&b, "escalation:\n  policies:\n    default:\n%s  levels: {blue: default, yellow: default, orange: default, red: default}\n", steps)
	b.WriteString("tasks:\n  overdue_level: \"off\"\ncadence:\n  rules: []\n")
	return b.String()
}

// writeDirectory writes the town's n staff as a 通讯录 (CSV) at path: the
// columns offices keep, 编号 for the same ids as the YAML list, and each
// unit's head as 上级. They are bound by bindStaff, as a 通讯录 has no
// Telegram ids.
func writeDirectory(path string, n int) error {
	var b strings.Builder
	b.WriteString("编号,姓名,单位,职务/角色,手机号,上级\n")
	for i := 0; i < n; i++ {
		u := i % len(townUnits)
		fmt.Fprintf(&b, "o-%d,人员%d,%s,网格员,139%08d,136%08d\n", i, i, townUnits[u].name, i, u)
	}
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

// bindStaff binds the n staff to their Telegram chats, as sharing their
// contact would.
func bindStaff(db *storage.DB, n int) error {
	now := time.Now()
	return db.Update(func(tx *storage.Tx) error {
		for i := 0; i < n; i++ {
			if err := tx.PutBinding(storage.Binding{Official: fmt.Sprintf("o-%d", i), ChatID: userID(i), UserID: userID(i),
				BoundAt: now, Source: "contact"}); err != nil {
				return err
			}
		}
		return nil
	})
}

// town is a generated town on a throw-away database.
type town struct {
	dir  string
	cfg  *config.Config
	n    int
	drop func() // drops the PostgreSQL database (nil on bbolt)
}

// newTown generates a town of n staff talking to apiURL.
func newTown(n int, apiURL, steps string) (*town, error) {
	dir, err := os.MkdirTemp("", "dutyload")
	if err != nil {
		return nil, err
	}
	cfg, err := config.Parse([]byte(townYAML(n, apiURL, filepath.Join(dir, "db"), "127.0.0.1:0", steps)))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	cfg.Telegram.Token = token
	return &town{dir: dir, cfg: cfg, n: n}, nil
}

// close removes the database.
func (t *town) close() {
	os.RemoveAll(t.dir)
	if t.drop != nil {
		t.drop()
	}
}

// open starts the services on the town's database (not running yet).
func (t *town) open(opts app.Options) (*app.App, error) {
	if opts.Log == nil {
		opts.Log = quiet()
	}
	opts.NoHTTP = true
	return app.New(t.cfg, opts)
}

// callStaff creates one red alert to every staff member.
func (t *town) callStaff(a *app.App) (callout.Alert, error) {
	return a.Engine.Create(callout.Request{Level: "red", Title: "压测", Targets: callout.Targets{Officials: staffIDs(t.n)}, Source: "api"})
}

// fakeTelegram starts a fake Bot API with the town's n staff as users.
func fakeTelegram(n int, limits *fakeapi.Limits) *fakeapi.Server {
	srv := fakeapi.New(fakeapi.Options{Token: token, Limits: limits})
	for i := 0; i < n; i++ {
		srv.AddUser(fakeapi.User{ID: userID(i), FirstName: fmt.Sprint(i)})
	}
	return srv
}

// staffIDs returns the ids of the generated staff.
func staffIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("o-%d", i)
	}
	return ids
}
