package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"time"

	"dutybot/api"
	"dutybot/config"
	"dutybot/coverage"
	"dutybot/ledger"
	"dutybot/locales"
	"dutybot/storage"
)

const ledgerUsageText = `usage:
  dutybot ledger verify [-config FILE] [-witness SEQ:HASH]...
                        check every event of the log against its hash chain, and
                        against heads posted to the principals (the witness posts)
  dutybot ledger export [-config FILE] [-from DATE] [-to DATE] [-unit ID] [-official ID] [-force] FILE.xlsx
                        write the 履职档案 workbook (dates 2026-11-01, both included;
                        the default is this month)
  dutybot ledger show [-config FILE] ALERT_ID
                        print one alert's full story: every event in order, every recipient

The commands read the database without changing it. When dutybot is running
it holds the database, so they go through its HTTP API (http.listen, with the
token of http.api_token_file or DUTYBOT_API_TOKEN) instead.
`

// ledgerCmd runs "dutybot ledger …".
func (c cli) ledgerCmd(args []string, stdout, stderr io.Writer) int {
	return subcommands("ledger", ledgerUsageText, map[string]cmdFunc{
		"verify": c.ledgerVerify,
		"export": c.ledgerExport,
		"show":   c.ledgerShow,
	}, args, stdout, stderr)
}

// openLedger opens the database read-only for a ledger command; locked
// reports that the running dutybot holds it.
func (c cli) openLedger(cfg *config.Config) (db *storage.DB, locked bool, err error) {
	return c.openDirect(cfg, true)
}

type headsFlag []ledger.Head

func (h *headsFlag) String() string { return fmt.Sprint(len(*h), " heads") }
func (h *headsFlag) Set(s string) error {
	head, err := ledger.ParseHead(s)
	if err != nil {
		return err
	}
	*h = append(*h, head)
	return nil
}

func (c cli) ledgerVerify(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	cfgPath := fs.String("config", "config.yaml", "configuration file")
	var heads headsFlag
	fs.Var(&heads, "witness", "a head posted to the principals, SEQ:HASH (repeatable)")
	if _, code, ok := parseArgs("ledger verify", fs, args, 0, "", stdout, stderr); !ok {
		return code
	}
	cfg, ok := loadConfig(*cfgPath, stderr)
	if !ok {
		return 1
	}
	_ = cfg.ResolveSecrets(os.Getenv)
	var v api.VerifyJSON
	var via string
	db, locked, err := c.openLedger(cfg)
	switch {
	case errors.Is(err, storage.ErrDamaged) || errors.Is(err, storage.ErrEmptyFile):
		// What verify is for: the file itself is broken.
		v, err = api.VerifyJSON{Damage: err.Error()}, nil
		via = cfg.Storage.Path
	case locked:
		q := url.Values{}
		for _, h := range heads {
			q.Add("witness", fmt.Sprintf("%d:%s", h.Seq, h.Hash))
		}
		var body []byte
		if _, body, err = apiGet(cfg, *cfgPath, "/api/v1/ledger/verify?"+q.Encode()); err == nil {
			err = json.Unmarshal(body, &v)
		}
		via = "the running dutybot's HTTP API at " + apiBase(cfg)
	case err == nil:
		var res ledger.Verification
		start := time.Now()
		var l *ledger.Ledger
		if l, err = newLedger(cfg, db); err == nil {
			res, err = l.Verify(heads)
		}
		db.Close()
		v = api.ToVerifyJSON(res)
		via = fmt.Sprintf("%s in %s", cfg.Storage.Path, time.Since(start).Round(time.Millisecond))
	}
	if err != nil {
		fmt.Fprintf(stderr, "dutybot ledger verify: %v\n", err)
		return 1
	}
	printVerify(stdout, cfg, v, via)
	if !v.OK {
		return 1
	}
	return 0
}

// printVerify tells what verify found, the worst first: a damaged file, a
// broken chain, a witnessed head the log no longer matches, then OK.
func printVerify(w io.Writer, cfg *config.Config, v api.VerifyJSON, via string) {
	var mismatch *api.WitnessJSON
	for i := range v.Witnesses {
		if !v.Witnesses[i].OK {
			mismatch = &v.Witnesses[i]
			break
		}
	}
	switch {
	case v.Damage != "":
		fmt.Fprintf(w, "ledger BROKEN: %s\n", v.Damage)
		fmt.Fprintf(w, "the log cannot be read to its end; %s\n", storage.RestoreHint)
	case v.Break != nil:
		fmt.Fprintf(w, "ledger BROKEN at event #%d: %s: %s\n", v.Break.Seq, v.Break.Kind, v.Break.Detail)
		fmt.Fprintf(w, "%s before it are intact; the recorded chain head is #%d %s\n", plural(int(v.Events), "event"), v.HeadSeq, v.HeadHash)
	case v.Schema < storage.SchemaVersion:
		fmt.Fprintf(w, "ledger not chained yet: the database has schema version %d; start dutybot once (it chains the log when it opens the file), then verify again\n", v.Schema)
	case mismatch != nil:
		fmt.Fprintf(w, "ledger DOES NOT MATCH witness #%d %s: %s\n", mismatch.Seq, mismatch.Hash, mismatch.Why)
		fmt.Fprintf(w, "the log is chained (%s, head #%d %s) but not as witnessed: rewritten after the head was posted, or the witness is mistyped\n",
			plural(int(v.Events), "event"), v.HeadSeq, v.HeadHash)
	default:
		fmt.Fprintf(w, "ledger OK: %s, each matching its hash and chained to the one before\nchain head #%d %s\n", plural(int(v.Events), "event"), v.HeadSeq, v.HeadHash)
	}
	for _, h := range v.Witnesses {
		if h.OK {
			fmt.Fprintf(w, "witness #%d %s: matches\n", h.Seq, h.Hash)
		} else {
			fmt.Fprintf(w, "witness #%d %s: DOES NOT MATCH: %s\n", h.Seq, h.Hash, h.Why)
		}
	}
	if e := v.LastWitness; e != nil {
		fmt.Fprintf(w, "last witness post %s: %s\n", e.At.In(cfg.Location).Format("2006-01-02 15:04"), e.Detail)
		if seq, hash, ok := ledger.ParseWitness(e.Detail); ok && len(v.Witnesses) == 0 {
			fmt.Fprintf(w, "compare it with the post in the principals' chats: dutybot ledger verify -witness %d:%s\n", seq, hash)
		}
	}
	fmt.Fprintf(w, "(read %s)\n", via)
}

func (c cli) ledgerExport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	cfgPath := fs.String("config", "config.yaml", "configuration file")
	fromS := fs.String("from", "", "first date, e.g. 2026-11-01 (default: the first of this month)")
	toS := fs.String("to", "", "last date, included (default: the end of this month)")
	unit := fs.String("unit", "", "only this unit's officials (a unit id)")
	official := fs.String("official", "", "only this official (an official id)")
	force := fs.Bool("force", false, "replace an existing file")
	pos, code, ok := parseArgs("ledger export", fs, args, 1, "FILE.xlsx", stdout, stderr)
	if !ok {
		return code
	}
	file := pos[0]
	if coverage.FileFormat(file) != coverage.FormatXLSX {
		fmt.Fprintf(stderr, "dutybot ledger export: %s: the ledger is a workbook; name it .xlsx\n", file)
		return 2
	}
	cfg, ok := loadConfig(*cfgPath, stderr)
	if !ok {
		return 1
	}
	q := url.Values{}
	for k, v := range map[string]string{"from": *fromS, "to": *toS, "unit": *unit, "official": *official} {
		if v != "" {
			q.Set(k, v)
		}
	}
	f, err := api.LedgerFilter(q, time.Now(), cfg.Location)
	if err == nil {
		var l *ledger.Ledger
		if l, err = newLedger(cfg, nil); err == nil {
			err = l.Validate(f)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "dutybot ledger export: %v\n", err)
		return 2
	}
	_ = cfg.ResolveSecrets(os.Getenv)

	var data []byte
	var calls, head string
	var via string
	start := time.Now()
	db, locked, err := c.openLedger(cfg)
	switch {
	case locked:
		var resp *http.Response
		if resp, data, err = apiGet(cfg, *cfgPath, "/api/v1/ledger?"+q.Encode()); err == nil {
			calls, head = resp.Header.Get(api.HeaderLedgerCalls), resp.Header.Get(api.HeaderChainHead)
		}
		via = "from the running dutybot's HTTP API at " + apiBase(cfg)
	case err == nil:
		var buf bytes.Buffer
		var st ledger.Stats
		var l *ledger.Ledger
		if l, err = newLedger(cfg, db); err == nil {
			st, err = l.Export(&buf, f, time.Now())
		}
		db.Close()
		data, calls, head = buf.Bytes(), fmt.Sprint(st.Calls), fmt.Sprintf("%d %s", st.HeadSeq, st.HeadHash)
		via = "from " + cfg.Storage.Path
	}
	if err == nil {
		err = writeNew(file, data, *force)
	}
	if err != nil {
		fmt.Fprintf(stderr, "dutybot ledger export: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %s (%d bytes in %s): %s calls %s, chain head #%s (read %s)\n", file, len(data),
		time.Since(start).Round(time.Millisecond), calls, ledger.Period{From: f.From, To: f.To}.Label(cfg.Location), head, via)
	return 0
}

func (c cli) ledgerShow(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("show", flag.ContinueOnError)
	cfgPath := fs.String("config", "config.yaml", "configuration file")
	pos, code, ok := parseArgs("ledger show", fs, args, 1, "ALERT_ID", stdout, stderr)
	if !ok {
		return code
	}
	cfg, ok := loadConfig(*cfgPath, stderr)
	if !ok {
		return 1
	}
	_ = cfg.ResolveSecrets(os.Getenv)
	var text string
	db, locked, err := c.openLedger(cfg)
	switch {
	case locked:
		var body []byte
		_, body, err = apiGet(cfg, *cfgPath, "/api/v1/ledger/alerts/"+url.PathEscape(pos[0]))
		text = string(body)
	case err == nil:
		var l *ledger.Ledger
		if l, err = newLedger(cfg, db); err == nil {
			text, err = l.Story(pos[0])
		}
		db.Close()
	}
	if err != nil {
		fmt.Fprintf(stderr, "dutybot ledger show: %v\n", err)
		return 1
	}
	fmt.Fprint(stdout, text)
	return 0
}

// newLedger reads the ledger of db, worded in the configured language.
func newLedger(cfg *config.Config, db *storage.DB) (*ledger.Ledger, error) {
	tr, err := locales.New(cfg.Language)
	if err != nil {
		return nil, err
	}
	return ledger.New(cfg, db, tr), nil
}
