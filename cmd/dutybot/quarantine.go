package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"

	"dutybot/api"
	"dutybot/config"
	"dutybot/storage"
)

const quarantineUsageText = `usage:
  dutybot quarantine list [-config FILE] [-raw]
                        the records moved aside because they could not be used
                        (they do not decode, or their deadline could not be fired):
                        number, time, where they were, why; -raw shows their bytes
  dutybot quarantine drop [-config FILE] N...
                        remove quarantined records once you have dealt with them
                        (repaired what they stood for, or decided to let them go)

While dutybot is running it holds the database, so the commands go through its
HTTP API (http.listen, with the token of http.api_token_file or DUTYBOT_API_TOKEN).
`

// quarantineCmd runs "dutybot quarantine …".
func (c cli) quarantineCmd(args []string, stdout, stderr io.Writer) int {
	return subcommands("quarantine", quarantineUsageText, map[string]cmdFunc{
		"list": c.quarantineList,
		"drop": c.quarantineDrop,
	}, args, stdout, stderr)
}

// withQuarantine runs direct on the database when dutybot is not running,
// else api through the running dutybot; it returns where it went.
func (c cli) withQuarantine(cfg *config.Config, cfgPath string, direct func(*storage.DB) error, api func(*apiClient) error) (string, error) {
	db, held, err := c.openDirect(cfg, false)
	switch {
	case held:
		client, err := newAPIClient(cfg, cfgPath)
		if err != nil {
			return "", err
		}
		return "the running dutybot's HTTP API at " + client.base, api(client)
	case err != nil:
		return "", err
	}
	defer db.Close()
	return cfg.Storage.Path, direct(db)
}

func (c cli) quarantineList(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	cfgPath := fs.String("config", "config.yaml", "configuration file")
	raw := fs.Bool("raw", false, "show each record's stored bytes")
	if _, code, ok := parseArgs("quarantine list", fs, args, 0, "", stdout, stderr); !ok {
		return code
	}
	cfg, ok := loadConfig(*cfgPath, stderr)
	if !ok {
		return 1
	}
	_ = cfg.ResolveSecrets(os.Getenv)
	var qs []storage.Quarantined
	via, err := c.withQuarantine(cfg, *cfgPath, func(db *storage.DB) error {
		return db.View(func(tx *storage.Tx) error { qs = tx.QuarantinedRecords(); return nil })
	}, func(bot *apiClient) error {
		const path = "/api/v1/quarantine"
		resp, body, err := bot.do("GET", path, nil)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return bot.answerError("GET", path, resp, body)
		}
		var out api.QuarantineJSON
		err = json.Unmarshal(body, &out)
		qs = out.Records
		return err
	})
	if err != nil {
		fmt.Fprintf(stderr, "dutybot quarantine list: %v\n", err)
		return 1
	}
	if len(qs) == 0 {
		fmt.Fprintf(stdout, "the quarantine is empty (read %s)\n", via)
		return 0
	}
	for _, q := range qs {
		fmt.Fprintf(stdout, "#%d  %s  %s  key %q  (%d bytes)\n    %s\n", q.Seq, q.At.In(cfg.Location).Format("2006-01-02 15:04:05"),
			q.Bucket, q.Key, len(q.Raw), q.Reason)
		if *raw {
			fmt.Fprintf(stdout, "    %q\n", q.Raw)
		}
	}
	fmt.Fprintf(stdout, "%s in quarantine (read %s); remove one with dutybot quarantine drop N once dealt with\n",
		plural(len(qs), "record"), via)
	return 0
}

func (c cli) quarantineDrop(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("drop", flag.ContinueOnError)
	cfgPath := fs.String("config", "config.yaml", "configuration file")
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	// Numbers may come before or after the flags.
	var seqs []uint64
	rest := fs.Args()
	for len(rest) > 0 {
		n, err := strconv.ParseUint(rest[0], 10, 64)
		if err != nil || n == 0 {
			fmt.Fprintf(stderr, "dutybot quarantine drop: %q is not a quarantine number (see dutybot quarantine list)\n", rest[0])
			return 2
		}
		seqs = append(seqs, n)
		if err := fs.Parse(rest[1:]); err != nil {
			return 2
		}
		rest = fs.Args()
	}
	if len(seqs) == 0 {
		fmt.Fprint(stderr, "dutybot quarantine drop: name the numbers to drop (see dutybot quarantine list)\n")
		return 2
	}
	cfg, ok := loadConfig(*cfgPath, stderr)
	if !ok {
		return 1
	}
	_ = cfg.ResolveSecrets(os.Getenv)
	var missing []uint64
	via, err := c.withQuarantine(cfg, *cfgPath, func(db *storage.DB) error {
		return db.Update(func(tx *storage.Tx) error {
			missing = missing[:0]
			for _, n := range seqs {
				found, err := tx.DropQuarantined(n)
				if err != nil {
					return err
				}
				if !found {
					missing = append(missing, n)
				}
			}
			return nil
		})
	}, func(bot *apiClient) error {
		for _, n := range seqs {
			path := fmt.Sprintf("/api/v1/quarantine/%d", n)
			resp, body, err := bot.do("DELETE", path, nil)
			if err != nil {
				return err
			}
			var e struct{ Error string }
			switch {
			case resp.StatusCode == http.StatusOK:
			case resp.StatusCode == http.StatusNotFound && json.Unmarshal(body, &e) == nil && e.Error != "":
				missing = append(missing, n) // the bot's own "no quarantined record"
			default:
				return bot.answerError("DELETE", path, resp, body)
			}
		}
		return nil
	})
	if err != nil {
		fmt.Fprintf(stderr, "dutybot quarantine drop: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "dropped %s (in %s)\n", plural(len(seqs)-len(missing), "record"), via)
	if len(missing) > 0 {
		fmt.Fprintf(stderr, "dutybot quarantine drop: no quarantined record %v\n", missing)
		return 1
	}
	return 0
}
