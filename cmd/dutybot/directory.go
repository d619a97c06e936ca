package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"dutybot/api"
	"dutybot/config"
	"dutybot/directory"
)

const directoryUsageText = `usage:
  dutybot directory reload [-config FILE]
                        have the running dutybot read directory.file again, as SIGHUP
                        does: all or nothing, every problem listed by row; alerts
                        under way keep their recipients, new ones use the new file
  dutybot directory template [-format xlsx|csv] [-o FILE] [-force]
                        write a 通讯录 to fill in: its columns, fictional examples and,
                        in a workbook, a 说明 sheet of the columns and role words
  dutybot directory export [-config FILE] [-format xlsx|csv] [-o FILE] [-force]
                        write the whole directory, the configuration's officials and
                        the 通讯录's, as one 通讯录 (directory.file can name it)

Without -o the file goes to standard output. The format is -format, else the
extension of -o, else xlsx. reload goes through the running dutybot's HTTP
API (http.listen, with the token of http.api_token_file or DUTYBOT_API_TOKEN).
`

// directoryCmd runs "dutybot directory …".
func (c cli) directoryCmd(args []string, stdout, stderr io.Writer) int {
	return subcommands("directory", directoryUsageText, map[string]cmdFunc{
		"reload":   c.directoryReload,
		"template": directoryTemplate,
		"export":   directoryExport,
	}, args, stdout, stderr)
}

// outFlags are the output flags of template and export.
type outFlags struct {
	format, out *string
	force       *bool
}

func newOutFlags(fs *flag.FlagSet) outFlags {
	return outFlags{format: fs.String("format", "", "xlsx or csv (default: the extension of -o, else xlsx)"),
		out:   fs.String("o", "", "the file to write (default: standard output)"),
		force: fs.Bool("force", false, "replace an existing file")}
}

// formatOf is the format to write: -format, else -o's extension, else xlsx.
func (o outFlags) formatOf() (directory.Format, error) {
	switch f := strings.ToLower(*o.format); {
	case f == string(directory.XLSX) || f == string(directory.CSV):
		return directory.Format(f), nil
	case f != "":
		return "", fmt.Errorf("-format %s: write xlsx or csv", *o.format)
	case *o.out != "":
		return directory.FormatOf(*o.out)
	}
	return directory.XLSX, nil
}

// write writes data to -o, or to stdout without it.
func (o outFlags) write(data []byte, stdout io.Writer) error {
	if *o.out == "" {
		_, err := stdout.Write(data)
		return err
	}
	return writeNew(*o.out, data, *o.force)
}

// where names where write wrote, for messages.
func (o outFlags) where() string {
	if *o.out == "" {
		return "standard output"
	}
	return *o.out
}

func directoryTemplate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("template", flag.ContinueOnError)
	out := newOutFlags(fs)
	if _, code, ok := parseArgs("directory template", fs, args, 0, "", stdout, stderr); !ok {
		return code
	}
	f, err := out.formatOf()
	if err != nil {
		fmt.Fprintf(stderr, "dutybot directory template: %v\n", err)
		return 2
	}
	examples, notes := config.DirectoryTemplate()
	var buf bytes.Buffer
	if err := directory.Template(&buf, f, examples, notes); err != nil {
		fmt.Fprintf(stderr, "dutybot directory template: %v\n", err)
		return 1
	}
	if err := out.write(buf.Bytes(), stdout); err != nil {
		fmt.Fprintf(stderr, "dutybot directory template: %v\n", err)
		return 1
	}
	if f == directory.CSV {
		// A CSV file has no 说明 sheet: the notes go to the terminal.
		fmt.Fprintln(stderr, strings.Join(notes, "\n"))
	}
	fmt.Fprintf(stderr, "wrote a 通讯录 template to %s: replace the %d fictional examples with your people, "+
		"name the file in directory.file and check it with dutybot check-config\n", out.where(), len(examples))
	return 0
}

func directoryExport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	cfgPath := fs.String("config", "config.yaml", "configuration file")
	out := newOutFlags(fs)
	if _, code, ok := parseArgs("directory export", fs, args, 0, "", stdout, stderr); !ok {
		return code
	}
	f, err := out.formatOf()
	if err != nil {
		fmt.Fprintf(stderr, "dutybot directory export: %v\n", err)
		return 2
	}
	cfg, ok := loadConfig(*cfgPath, stderr)
	if !ok {
		return 1
	}
	p := cfg.People()
	var buf bytes.Buffer
	if err := directory.Write(&buf, f, config.DirectoryEntries(p)); err != nil {
		fmt.Fprintf(stderr, "dutybot directory export: %v\n", err)
		return 1
	}
	if err := out.write(buf.Bytes(), stdout); err != nil {
		fmt.Fprintf(stderr, "dutybot directory export: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "wrote the directory of %s to %s: %s in %s\n", *cfgPath, out.where(),
		plural(len(p.Officials), "official"), plural(len(p.Units), "unit"))
	return 0
}

// directoryReload asks the running dutybot to read directory.file again.
// The configuration is read without the 通讯录, so that a broken file is
// told by the bot, row by row, rather than stopping the command.
func (c cli) directoryReload(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("reload", flag.ContinueOnError)
	cfgPath := fs.String("config", "config.yaml", "configuration file")
	if _, code, ok := parseArgs("directory reload", fs, args, 0, "", stdout, stderr); !ok {
		return code
	}
	data, err := os.ReadFile(*cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "dutybot directory reload: %v\n", err)
		return 1
	}
	cfg, err := config.Parse(data)
	if err != nil {
		fmt.Fprintf(stderr, "%s: invalid configuration:\n%v\n", *cfgPath, err)
		return 1
	}
	if cfg.Directory.File == "" {
		fmt.Fprintf(stderr, "dutybot directory reload: %s names no 通讯录 (directory.file): its units: and officials: are read at start; restart dutybot after changing them\n", *cfgPath)
		return 1
	}
	_ = cfg.ResolveSecrets(os.Getenv)
	if !cfg.Storage.Postgres() && !c.held(cfg) {
		fmt.Fprintf(stderr, "dutybot directory reload: no dutybot is running on %s (storage.path of %s): the 通讯录 is read when it starts; "+
			"dutybot check-config -config %s checks it now\n", cfg.Storage.Path, *cfgPath, *cfgPath)
		return 1
	}
	client, err := newAPIClient(cfg, *cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "dutybot directory reload: %v\n", err)
		return 1
	}
	const path = "/api/v1/directory/reload"
	resp, body, err := client.do("POST", path, nil)
	if err != nil {
		fmt.Fprintf(stderr, "dutybot directory reload: %v\n", err)
		return 1
	}
	switch resp.StatusCode {
	case http.StatusOK:
		var ch api.DirectoryJSON
		if err := json.Unmarshal(body, &ch); err != nil {
			fmt.Fprintf(stderr, "dutybot directory reload: %v\n", client.answerError("POST", path, resp, body))
			return 1
		}
		fmt.Fprintf(stdout, "the running dutybot at %s read %s again: %s in %s; %d added, %d removed, %d changed; "+
			"units %d added, %d removed, %d with a new head or 分管领导\n", client.base, cfg.Directory.File,
			plural(ch.Officials, "official"), plural(ch.Units, "unit"), len(ch.Added), len(ch.Removed), len(ch.Changed),
			len(ch.UnitsAdded), len(ch.UnitsRemoved), len(ch.Heads))
		for _, l := range []struct {
			what string
			ids  []string
		}{{"added", ch.Added}, {"removed", ch.Removed}, {"changed", ch.Changed}} {
			if len(l.ids) > 0 && len(l.ids) <= 20 {
				fmt.Fprintf(stdout, "  %s: %s\n", l.what, strings.Join(l.ids, " "))
			}
		}
		return 0
	case http.StatusBadRequest:
		var rej api.DirectoryErrorJSON
		if err := json.Unmarshal(body, &rej); err == nil && rej.Error != "" {
			fmt.Fprintf(stderr, "dutybot directory reload: %s\n", rej.Error)
			for _, p := range rej.Problems {
				fmt.Fprintf(stderr, "  %s\n", p)
			}
			return 1
		}
	}
	fmt.Fprintf(stderr, "dutybot directory reload: %v\n", client.answerError("POST", path, resp, body))
	return 1
}

// directoryLine tells where the directory comes from for check-config:
// the YAML lists alone, or with the 通讯录's people, and how many of its
// rows were read as staff for want of a role word, with their most common
// titles, so that a mistyped role word (单位负债人) shows.
func directoryLine(cfg *config.Config) string {
	p := cfg.People()
	r := p.File()
	if r == nil {
		return fmt.Sprintf("directory: %s in %s from the configuration (no directory.file)",
			plural(len(p.Officials), "official"), plural(len(p.Units), "unit"))
	}
	line := fmt.Sprintf("directory: %s in %s: %d from the configuration, %d from %s (%s made from its 单位 column)",
		plural(len(p.Officials), "official"), plural(len(p.Units), "unit"), len(cfg.Officials), r.People, r.File,
		plural(r.UnitsCreated, "unit"))
	if r.TitleStaff == 0 {
		return line
	}
	titles := make([]string, len(r.Titles))
	for i, t := range r.Titles {
		titles[i] = fmt.Sprintf("%s (%d)", t.Title, t.Rows)
	}
	return line + fmt.Sprintf("; %s of it have no role word and are read as staff, most often titled %s "+
		"(if one is a role mistyped, write it as 工作人员, 单位负责人, 分管领导, 主要负责人, 带班领导 or 管理员)",
		plural(r.TitleStaff, "row"), strings.Join(titles, ", "))
}
