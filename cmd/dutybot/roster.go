package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"dutybot/api"
	"dutybot/app"
	"dutybot/config"
	"dutybot/coverage"
	"dutybot/locales"
	"dutybot/redact"
	"dutybot/roster"
	"dutybot/rota"
	"dutybot/storage"
)

const rosterUsageText = `usage:
  dutybot roster import [-config FILE] ROSTER          import a roster (.xlsx, .csv, .yaml)
  dutybot roster template [-config FILE] [-force] OUT.xlsx
                                                      write an empty roster to fill in
  dutybot roster export [-config FILE] [-from DATE] [-to DATE] [-force] OUT.xlsx
                                                      write the stored roster (dates 2026-10-01;
                                                      from defaults to today, to to the last shift)

import is all or nothing: every bad row is listed and nothing changes. When
dutybot is running it holds the database, so import and export go through
its HTTP API (http.listen, with the token of http.api_token_file or
DUTYBOT_API_TOKEN) instead.
`

// rosterCmd runs "dutybot roster …".
func (c cli) rosterCmd(args []string, stdout, stderr io.Writer) int {
	return subcommands("roster", rosterUsageText, map[string]cmdFunc{
		"import":   c.rosterImport,
		"template": rosterTemplate,
		"export":   c.rosterExport,
	}, args, stdout, stderr)
}

// rosterFlags parses flags and exactly one file argument, flags before or
// after it. ok is false with the exit code to return.
func rosterFlags(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (file string, code int, ok bool) {
	pos, code, ok := parseArgs("roster "+fs.Name(), fs, args, 1, "FILE", stdout, stderr)
	if !ok {
		return "", code, false
	}
	return pos[0], 0, true
}

// openDB builds the services on the database for a CLI command; locked
// reports that a running dutybot holds it. The command never talks to
// Telegram.
func (c cli) openDB(cfg *config.Config, stderr io.Writer) (a *app.App, locked bool, err error) {
	if c.held(cfg) {
		return nil, true, nil
	}
	if cfg.Telegram.Token == "" {
		cfg.Telegram.Token = "0:offline-roster-command" // never used: the bot is not started
	}
	log := slog.New(redact.NewHandler(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelError}),
		cfg.Telegram.Token, cfg.HTTP.APIToken))
	a, err = app.New(cfg, app.Options{NoHTTP: true, NoBot: true, Log: log})
	if errors.Is(err, storage.ErrLocked) {
		return nil, true, nil // a dutybot started since held looked
	}
	return a, false, err
}

func (c cli) rosterImport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	cfgPath := fs.String("config", "config.yaml", "configuration file")
	file, code, ok := rosterFlags(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	cfg, ok := loadConfig(*cfgPath, stderr)
	if !ok {
		return 1
	}
	shifts, err := roster.ParseFile(file, cfg)
	if err != nil {
		printParseError(stderr, cfg, file, err)
		return 1
	}
	_ = cfg.ResolveSecrets(os.Getenv) // only the API token matters here, and only if the bot runs
	name := filepath.Base(file)

	a, locked, err := c.openDB(cfg, stderr)
	switch {
	case locked:
		return importViaAPI(cfg, *cfgPath, file, name, stdout, stderr)
	case err != nil:
		fmt.Fprintf(stderr, "dutybot roster import: %v\n", err)
		return 1
	}
	defer a.DB.Close()
	out, err := a.Coverage.Import(shifts, "cli", name)
	var conflict *rota.ConflictError
	switch {
	case errors.As(err, &conflict):
		printConflicts(stderr, file, conflict.Conflicts)
		return 1
	case err != nil:
		fmt.Fprintf(stderr, "dutybot roster import: %s: %v\nnothing was imported\n", file, err)
		return 1
	}
	fmt.Fprintf(stdout, "imported %s directly into %s (dutybot is not running)\n", file, cfg.Storage.Path)
	printImport(stdout, cfg, api.ImportJSON{File: name, Added: out.Added, Replaced: out.Replaced, From: out.From,
		To: out.To, Gaps: api.GapsJSON(a.Coverage, cfg.Language, out.Gaps)})
	return 0
}

// importViaAPI sends the file to the running dutybot.
func importViaAPI(cfg *config.Config, cfgPath, file, name string, stdout, stderr io.Writer) int {
	body, base, rej, ok := upload(cfg, cfgPath, "roster import", file, "/api/v1/roster?filename="+url.QueryEscape(name), stderr)
	switch {
	case rej != nil && len(rej.Conflicts) > 0:
		printConflicts(stderr, file, rej.Conflicts)
	case rej != nil:
		printParseError(stderr, cfg, file, rowErrors(rej))
	}
	if !ok {
		return 1
	}
	var res api.ImportJSON
	if err := json.Unmarshal(body, &res); err != nil {
		fmt.Fprintf(stderr, "dutybot roster import: %s answered %q: %v\n", base, body, err)
		return 1
	}
	fmt.Fprintf(stdout, "imported %s through the running dutybot's HTTP API at %s (it holds %s)\n", file, base, cfg.Storage.Path)
	printImport(stdout, cfg, res)
	return 0
}

// printParseError lists every bad row of a roster, or tells why it could
// not be read, in the configured language as the chat does: the operator
// passes the rows on to whoever fills in the roster.
func printParseError(w io.Writer, cfg *config.Config, file string, err error) {
	printFileProblems(w, cfg, "roster import", "RosterCLI", file, err)
}

// printFileProblems lists every bad row of an import file, or tells why it
// could not be read, in the configured language, with the messages
// <prefix>BadRows, <prefix>MoreProblems and <prefix>BadFile.
func printFileProblems(w io.Writer, cfg *config.Config, command, prefix, file string, err error) {
	cat, cerr := locales.New(cfg.Language)
	if cerr != nil {
		fmt.Fprintf(w, "dutybot %s: %v\nnothing was imported\n", command, err)
		return
	}
	lang := cfg.Language
	var rows roster.Errors
	var p *roster.Problem
	switch {
	case errors.As(err, &rows):
		fmt.Fprintln(w, cat.T(lang, prefix+"BadRows", map[string]any{"File": file, "Count": rows.Total,
			"Problems": plural(rows.Total, "problem")})) // English counts in words
		for _, re := range rows.List {
			fmt.Fprintf(w, "  %s\n", re.Text(cat, lang))
		}
		if n := rows.Unlisted(); n > 0 {
			fmt.Fprintf(w, "  %s\n", cat.T(lang, prefix+"MoreProblems", map[string]any{"Count": n}))
		}
	case errors.As(err, &p):
		fmt.Fprintln(w, cat.T(lang, prefix+"BadFile", map[string]any{"File": file, "Error": roster.Text(cat, lang, p)}))
	default:
		fmt.Fprintf(w, "dutybot %s: %v\nnothing was imported\n", command, err)
	}
}

func printConflicts(w io.Writer, file string, conflicts []string) {
	fmt.Fprintf(w, "%s clashes with stored shifts (someone on two shifts at once); nothing was imported:\n", file)
	for _, c := range conflicts {
		fmt.Fprintf(w, "  %s\n", c)
	}
}

// printImport tells what an import changed and the gaps it leaves.
func printImport(w io.Writer, cfg *config.Config, res api.ImportJSON) {
	loc := cfg.Location
	at := func(t time.Time) string { return t.In(loc).Format("2006-01-02 15:04") }
	fmt.Fprintf(w, "%s stored from %s to %s, %s replaced\n", plural(res.Added, "shift"), at(res.From), at(res.To),
		plural(res.Replaced, "stored shift"))
	if len(res.Gaps) == 0 {
		fmt.Fprintln(w, "no gaps in the special periods it touches")
		return
	}
	fmt.Fprintf(w, "%s in special periods (each day from %s to %s the next day needs a 带班领导 and a 值班人员):\n",
		plural(len(res.Gaps), "gap"), cfg.Roster.DayStarts, cfg.Roster.DayStarts)
	for _, g := range res.Gaps {
		var parts []string
		for _, m := range g.Missing {
			parts = append(parts, at(m.From)+" – "+at(m.To))
		}
		what := "uncovered " + strings.Join(parts, ", ")
		if g.Whole {
			what = "nobody on duty all day"
		}
		fmt.Fprintf(w, "  %s %s: %s\n", g.Period, g.Day, what)
	}
}

// plural formats a count of things: "1 shift", "2 shifts".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return strconv.Itoa(n) + " " + thing + "s"
}

// writeNew writes an export to path, refusing to replace a file unless
// force. Exports hold officials' names and phone numbers, or who was
// called when: the file is the owner's alone (0600), also when it
// replaces one that others could read.
func writeNew(path string, data []byte, force bool) error {
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if !force {
		flags |= os.O_EXCL
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s exists; use -force to replace it", path)
	}
	if err != nil {
		return err
	}
	if err := f.Chmod(0o600); err != nil { // a replaced file keeps its mode
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func rosterTemplate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("template", flag.ContinueOnError)
	cfgPath := fs.String("config", "config.yaml", "configuration file")
	force := fs.Bool("force", false, "replace an existing file")
	file, code, ok := rosterFlags(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if coverage.FileFormat(file) != coverage.FormatXLSX {
		fmt.Fprintf(stderr, "dutybot roster template: %s: the template is a workbook; name it .xlsx\n", file)
		return 2
	}
	cfg, ok := loadConfig(*cfgPath, stderr)
	if !ok {
		return 1
	}
	data, err := roster.Template(cfg)
	if err == nil {
		err = writeNew(file, data, *force)
	}
	if err != nil {
		fmt.Fprintf(stderr, "dutybot roster template: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %s: pick 带班领导 and 值班人员 from the lists (%d officials), delete the example row, then run:\n  dutybot roster import -config %s %s\n",
		file, len(cfg.People().Officials), *cfgPath, file)
	return 0
}

func (c cli) rosterExport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	cfgPath := fs.String("config", "config.yaml", "configuration file")
	fromS := fs.String("from", "", "first date, e.g. 2026-10-01 (default today)")
	toS := fs.String("to", "", "last date, included (default: up to the last stored shift)")
	force := fs.Bool("force", false, "replace an existing file")
	file, code, ok := rosterFlags(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if coverage.FileFormat(file) != coverage.FormatXLSX {
		fmt.Fprintf(stderr, "dutybot roster export: %s: the export is a workbook; name it .xlsx\n", file)
		return 2
	}
	cfg, ok := loadConfig(*cfgPath, stderr)
	if !ok {
		return 1
	}
	parse := func(flagName, s string) (time.Time, bool) {
		if s == "" {
			return time.Time{}, true
		}
		t, err := time.ParseInLocation(time.DateOnly, s, cfg.Location)
		if err != nil {
			fmt.Fprintf(stderr, "dutybot roster export: -%s: %q is not a date such as 2026-10-01\n", flagName, s)
			return t, false
		}
		return t, true
	}
	from, ok1 := parse("from", *fromS)
	to, ok2 := parse("to", *toS)
	if !ok1 || !ok2 {
		return 2
	}
	if from.IsZero() {
		y, m, d := time.Now().In(cfg.Location).Date()
		from = time.Date(y, m, d, 0, 0, 0, 0, cfg.Location)
	}
	if !to.IsZero() && to.Before(from) {
		fmt.Fprintf(stderr, "dutybot roster export: -to %s is before -from %s\n", to.Format(time.DateOnly), from.Format(time.DateOnly))
		return 2
	}
	_ = cfg.ResolveSecrets(os.Getenv)

	var data []byte
	var count int
	var via string
	a, locked, err := c.openDB(cfg, stderr)
	switch {
	case locked:
		data, count, err = exportViaAPI(cfg, *cfgPath, from, to)
		via = "from the running dutybot's HTTP API at " + apiBase(cfg)
	case err != nil:
		// reported below
	default:
		data, count, err = exportDB(a, from, to)
		a.DB.Close()
		via = "from " + cfg.Storage.Path
	}
	if err == nil {
		err = writeNew(file, data, *force)
	}
	if err != nil {
		fmt.Fprintf(stderr, "dutybot roster export: %v\n", err)
		return 1
	}
	span := "starting " + from.Format(time.DateOnly) + " or later"
	if !to.IsZero() {
		span = "starting " + from.Format(time.DateOnly) + " to " + to.Format(time.DateOnly)
	}
	fmt.Fprintf(stdout, "wrote %s: %s %s (read %s)\n", file, plural(count, "shift"), span, via)
	return 0
}

func exportDB(a *app.App, from, to time.Time) ([]byte, int, error) {
	last := to
	if last.IsZero() {
		last = from.AddDate(100, 0, 0)
	}
	shifts, err := a.Coverage.Shifts(from, last)
	if err != nil {
		return nil, 0, err
	}
	data, err := a.Coverage.ExportXLSX(shifts)
	return data, len(shifts), err
}

func exportViaAPI(cfg *config.Config, cfgPath string, from, to time.Time) ([]byte, int, error) {
	q := url.Values{"format": {"xlsx"}, "from": {from.Format(time.DateOnly)}}
	if !to.IsZero() {
		q.Set("to", to.Format(time.DateOnly))
	}
	resp, body, err := apiGet(cfg, cfgPath, "/api/v1/roster?"+q.Encode())
	if err != nil {
		return nil, 0, err
	}
	n, _ := strconv.Atoi(resp.Header.Get(api.HeaderShiftCount))
	return body, n, nil
}
