// Command dutybot runs the work-safety duty bot.
//
//	dutybot [run] [-config config.yaml] [-init-db]
//	                                      run the bot (the default)
//	dutybot sandbox [-config FILE] [-port N] [-speed N]
//	                                      try the bot in a browser, without Telegram
//	dutybot check-config [-config FILE]   validate a configuration, tell where the
//	                                      calendar's holiday data come from, and exit
//	dutybot roster import|template|export  get rosters (值班表) in and out
//	dutybot enterprises import|template|export
//	                                      get the 挂牌企业台账 in and out
//	dutybot directory reload|template|export
//	                                      reload the 通讯录 (as SIGHUP does), get it in and out
//	dutybot ledger verify|export|show     the 履职档案: check, export, tell one alert
//	dutybot backup FILE                   a consistent copy of the database
//	dutybot quarantine list|drop N        records moved aside as unusable
//	dutybot storage copy -from FILE.db -to postgres
//	                                      move a township's database to PostgreSQL
//	dutybot version                       print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"time"

	"dutybot/app"
	"dutybot/config"
	"dutybot/redact"
	"dutybot/supervision"
	"dutybot/workcal"
)

// version is set with -ldflags "-X main.version=…" by release builds.
var version = ""

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	return runContext(context.Background(), args, stdout, stderr)
}

// runContext is run with a context that stops long-running commands
// (tests cancel it; SIGINT and SIGTERM do too where a command watches them).
func runContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return newCLI().run(ctx, args, stdout, stderr)
}

// run runs the command of args.
func (c cli) run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd := "run"
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		usage(stdout)
		return 0
	}
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "run":
		return runBot(args, stderr)
	case "sandbox":
		ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
		return sandboxCmd(ctx, args, stdout, stderr)
	case "check-config":
		return c.checkConfig(args, stdout, stderr)
	case "roster":
		return c.rosterCmd(args, stdout, stderr)
	case "enterprises":
		return c.enterprisesCmd(args, stdout, stderr)
	case "directory":
		return c.directoryCmd(args, stdout, stderr)
	case "ledger":
		return c.ledgerCmd(args, stdout, stderr)
	case "backup":
		return c.backupCmd(args, stdout, stderr)
	case "quarantine":
		return c.quarantineCmd(args, stdout, stderr)
	case "storage":
		return c.storageCmd(args, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "dutybot", versionString())
		return 0
	case "help", "-h", "--help":
		usage(stdout)
		return 0
	}
	fmt.Fprintf(stderr, "dutybot: unknown command %q\n", cmd)
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage:
  dutybot [run] [-config config.yaml] [-init-db]
                                         run the bot; -init-db starts a new, empty database
                                         in an existing empty storage.path file
  dutybot sandbox [-config config.example.yaml] [-listen 127.0.0.1] [-port 8090] [-speed 60] [-v]
                                         try the whole bot in a browser, without Telegram:
                                         a local stand-in for Telegram, a throw-away database,
                                         one URL with a web chat, the duty board and the API
  dutybot check-config [-config FILE] [-strict]
                                         validate a configuration, tell where the working calendar's
                                         holidays of this and the coming year come from and how the
                                         task plan fits it; -strict: exit 1 when the plan names units
                                         the configuration lacks
  dutybot roster import [-config FILE] ROSTER.xlsx|.csv|.yaml
  dutybot roster template [-config FILE] OUT.xlsx
  dutybot roster export [-config FILE] [-from DATE] [-to DATE] OUT.xlsx
  dutybot enterprises import [-config FILE] REGISTRY.xlsx|.yaml
                                         replace the 挂牌企业台账 (all or nothing)
  dutybot enterprises template [-config FILE] OUT.xlsx
  dutybot enterprises export [-config FILE] OUT.xlsx
  dutybot directory reload [-config FILE]
                                         have the running dutybot read directory.file (the 通讯录)
                                         again, as SIGHUP does; all or nothing, problems by row
  dutybot directory template [-format xlsx|csv] [-o FILE] [-force]
  dutybot directory export [-config FILE] [-format xlsx|csv] [-o FILE] [-force]
                                         a 通讯录 to fill in; the whole directory as one
  dutybot ledger verify [-config FILE] [-witness SEQ:HASH]
  dutybot ledger export [-config FILE] [-from DATE] [-to DATE] [-unit ID] [-official ID] OUT.xlsx
  dutybot ledger show [-config FILE] ALERT_ID
  dutybot backup [-config FILE] FILE        copy the database, even while dutybot runs
  dutybot quarantine list [-config FILE] [-raw]
  dutybot quarantine drop [-config FILE] N...
                                         records moved aside because they could not be used
  dutybot storage copy [-config FILE] -from FILE.db -to postgres
                                         copy a bbolt database into the shared PostgreSQL one
                                         (storage.dsn_file) and verify its chain there
  dutybot version                        print the version
`)
}

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				return "dev-" + s.Value[:min(12, len(s.Value))]
			}
		}
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			return bi.Main.Version
		}
	}
	return "dev"
}

func configFlag(name string, args []string, stderr io.Writer) (string, bool) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "config.yaml", "configuration file")
	if err := fs.Parse(args); err != nil {
		return "", false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "dutybot %s: unexpected argument %q\n", name, fs.Arg(0))
		return "", false
	}
	return *path, true
}

// loadConfig loads and validates path, reporting every problem on stderr.
func loadConfig(path string, stderr io.Writer) (*config.Config, bool) {
	cfg, err := config.Load(path)
	if errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(stderr, "%s: no such file: copy config.example.yaml to %s and edit it, or name another file with -config\n", path, path)
		return nil, false
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: invalid configuration:\n%v\n", path, err)
		return nil, false
	}
	return cfg, true
}

func (c cli) checkConfig(args []string, stdout, stderr io.Writer) int {
	path, strict, ok := checkConfigFlags(args, stderr)
	if !ok {
		return 2
	}
	cfg, ok := loadConfig(path, stderr)
	if !ok {
		return 1
	}
	cal, err := app.LoadCalendar(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", path, err)
		return 1
	}
	plan, err := planReport(cfg, time.Now())
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", path, err)
		return 1
	}
	fmt.Fprintln(stdout, plan.status(path, cfg))
	fmt.Fprintln(stdout, calendarLine(cal, time.Now().In(cfg.Location).Year()))
	who, err := whoLine(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", path, err)
		return 1
	}
	fmt.Fprintln(stdout, who)
	fmt.Fprintln(stdout, groupsLine(cfg))
	fmt.Fprintln(stdout, directoryLine(cfg))
	fmt.Fprintln(stdout, deliveryLine(cfg))
	fmt.Fprintln(stdout, phoneLine(cfg))
	for _, l := range plan.lines {
		fmt.Fprintln(stdout, l)
	}
	if w := plan.warning(strict); w != "" {
		fmt.Fprintln(stdout, w)
	}
	for _, l := range c.registryCheck(cfg, path) {
		fmt.Fprintln(stdout, l)
	}
	if err := cfg.ResolveSecrets(os.Getenv); err != nil {
		fmt.Fprintf(stdout, "note: %v (needed by run)\n", err)
	}
	return plan.exitCode(strict)
}

// phoneLine tells whether 电话叫应 runs: through which provider, which
// policies ring or text, and the limits per number.
func phoneLine(cfg *config.Config) string {
	p := cfg.Phone
	if !p.Enabled() {
		return "phone: off (no call or sms steps)"
	}
	var uses []string
	for _, name := range slices.Sorted(maps.Keys(cfg.Escalation.Policies)) {
		for _, s := range cfg.Escalation.Policies[name] {
			if slices.Contains(config.PhoneActions, s.Action) {
				uses = append(uses, fmt.Sprintf("%s %s %s at %v", name, s.Action, config.PhoneStepTarget(s.To), s.After))
			}
		}
	}
	steps := "no policy has call or sms steps yet"
	if len(uses) > 0 {
		steps = strings.Join(uses, ", ")
	}
	return fmt.Sprintf("phone: %s, %d at once; %s; at most %d calls an hour and %d a day, %d SMS an hour and %d a day per number",
		p.Provider, p.Concurrency, steps, p.Limits.CallsPerHour, p.Limits.CallsPerDay, p.Limits.SMSPerHour, p.Limits.SMSPerDay)
}

// deliveryLine tells the pace of sending: the free limits, and which
// first calls go with paid broadcast and what they cost.
func deliveryLine(cfg *config.Config) string {
	d := cfg.Delivery
	line := fmt.Sprintf("delivery: %g messages/s, %g/s per chat, %d on their way at once", d.GlobalPerSecond, d.ChatPerSecond, d.WorkerCount())
	p := d.PaidBroadcast
	if !p.Enabled() {
		return line + "; paid broadcast off"
	}
	kinds := "every kind"
	if len(p.Kinds) > 0 {
		kinds = strings.Join(p.Kinds, ", ")
	}
	return fmt.Sprintf("%s; paid broadcast for the first calls of %s alerts (%s) at %g/s, %.1f Star a message",
		line, strings.Join(p.Levels, ", "), kinds, p.PerSecond, config.StarsPerMessage)
}

// groupsLine tells the work groups the configuration lists: how many are
// expected to answer in each, and whether its chat is given (chat_id) or
// left to /bindgroup.
func groupsLine(cfg *config.Config) string {
	if len(cfg.Groups) == 0 {
		return "groups: none (work groups are listed under groups:)"
	}
	parts := make([]string, len(cfg.Groups))
	for i, g := range cfg.Groups {
		chat := "chat by /bindgroup " + g.ID
		if g.ChatID != 0 {
			chat = fmt.Sprintf("chat %d", g.ChatID)
		}
		parts[i] = fmt.Sprintf("%s %s: %d expected, %s", g.Name, g.ID, len(cfg.GroupMembers(g.ID)), chat)
	}
	return fmt.Sprintf("groups: %d work groups: %s", len(cfg.Groups), strings.Join(parts, "; "))
}

// whoLine tells what /who answers: how many sectors, how many of them the
// configuration lists, and the built-in ones this town has no unit to lead.
func whoLine(cfg *config.Config) (string, error) {
	g, err := supervision.New(cfg)
	if err != nil {
		return "", err
	}
	line := fmt.Sprintf("/who: %d sectors, %d of them from supervision.sectors", len(g.Sectors()), len(cfg.Supervision.Sectors))
	if len(g.Skipped) > 0 {
		var left []string
		for _, s := range g.Skipped {
			left = append(left, s.Name+" (lead "+s.Lead+")")
		}
		line += fmt.Sprintf("; built-in sectors left out, as no unit leads them here: %s (list the town's own under supervision.sectors)",
			strings.Join(left, ", "))
	}
	return line, nil
}

// calendarLine tells where the holiday data of this year, the coming year
// and every year the calendar file supplies come from, so that an operator
// sees before starting the bot whether a year still needs the State
// Council's schedule.
func calendarLine(cal *workcal.Calendar, this int) string {
	years := append([]int{this, this + 1}, cal.FileYears()...)
	slices.Sort(years)
	var parts []string
	for _, y := range slices.Compact(years) {
		parts = append(parts, cal.Source(y).String())
	}
	return "calendar: " + strings.Join(parts, "; ")
}

// reloadOnHangup reads the 通讯录 again on every SIGHUP until ctx ends
// (App.ReloadDirectory logs what it changed, or why the file was
// refused). Without it SIGHUP would end the process.
func reloadOnHangup(ctx context.Context, a *app.App, log *slog.Logger) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				log.Info("SIGHUP: reading the 通讯录 again", "file", a.Config.Directory.File)
				_, _ = a.ReloadDirectory()
			}
		}
	}()
}

func runBot(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "config.yaml", "configuration file")
	initDB := fs.Bool("init-db", false, "start a new, empty database in storage.path even if an empty (0-byte) file is there")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "dutybot run: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	path := *cfgPath
	cfg, ok := loadConfig(path, stderr)
	if !ok {
		return 1
	}
	if err := cfg.ResolveSecrets(os.Getenv); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", path, err)
		return 1
	}
	log := slog.New(redact.NewHandler(slog.NewTextHandler(stderr, nil), cfg.Telegram.Token, cfg.HTTP.APIToken))
	slog.SetDefault(log)
	a, err := app.New(cfg, app.Options{Log: log, InitDB: *initDB})
	if err != nil {
		log.Error("start", "err", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	reloadOnHangup(ctx, a, log)
	log.Info("dutybot starting", "version", versionString(), "config", path, "storage", a.DB.Path(), "instance", a.DB.Instance())
	if err := a.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		log.Error("dutybot stopped", "err", err)
		return 1
	}
	log.Info("dutybot stopped")
	return 0
}
