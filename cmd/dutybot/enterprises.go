package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"dutybot/api"
	"dutybot/config"
	"dutybot/enterprise"
	"dutybot/locales"
	"dutybot/storage"
)

const enterprisesUsageText = `usage:
  dutybot enterprises import [-config FILE] REGISTRY   replace the 挂牌企业台账 with a file (.xlsx, .yaml)
  dutybot enterprises template [-config FILE] [-force] OUT.xlsx
                                                      write an empty registry to fill in
  dutybot enterprises export [-config FILE] [-force] OUT.xlsx
                                                      write the stored registry

import is all or nothing: every bad row is listed and nothing changes; a
good file replaces the whole registry. It warns of 一人承包 (one official
on more plaques than enterprises.max_per_person) and of plaques naming
officials no longer in the configuration. When dutybot is running it holds
the database, so import and export go through its HTTP API (http.listen,
with the token of http.api_token_file or DUTYBOT_API_TOKEN) instead.
`

// enterprisesCmd runs "dutybot enterprises …".
func (c cli) enterprisesCmd(args []string, stdout, stderr io.Writer) int {
	return subcommands("enterprises", enterprisesUsageText, map[string]cmdFunc{
		"import":   c.enterprisesImport,
		"template": enterprisesTemplate,
		"export":   c.enterprisesExport,
	}, args, stdout, stderr)
}

func enterprisesFlags(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (file string, code int, ok bool) {
	pos, code, ok := parseArgs("enterprises "+fs.Name(), fs, args, 1, "FILE", stdout, stderr)
	if !ok {
		return "", code, false
	}
	return pos[0], 0, true
}

func (c cli) enterprisesImport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	cfgPath := fs.String("config", "config.yaml", "configuration file")
	file, code, ok := enterprisesFlags(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	cfg, ok := loadConfig(*cfgPath, stderr)
	if !ok {
		return 1
	}
	list, err := enterprise.ParseFile(file, cfg)
	if err != nil {
		printRegistryError(stderr, cfg, file, err)
		return 1
	}
	_ = cfg.ResolveSecrets(os.Getenv)
	name := filepath.Base(file)
	a, locked, err := c.openDB(cfg, stderr)
	switch {
	case locked:
		return enterprisesViaAPI(cfg, *cfgPath, file, name, stdout, stderr)
	case err != nil:
		fmt.Fprintf(stderr, "dutybot enterprises import: %v\n", err)
		return 1
	}
	defer a.DB.Close()
	res, err := a.Enterprises.Import(list, "cli", name)
	if err != nil {
		fmt.Fprintf(stderr, "dutybot enterprises import: %s: %v\nnothing was imported\n", file, err)
		return 1
	}
	fmt.Fprintf(stdout, "imported %s directly into %s (dutybot is not running)\n", file, cfg.Storage.Path)
	printRegistryImport(stdout, cfg, res.File, res.Count, res.Replaced, res.Warnings)
	return 0
}

// enterprisesViaAPI sends the file to the running dutybot.
func enterprisesViaAPI(cfg *config.Config, cfgPath, file, name string, stdout, stderr io.Writer) int {
	body, base, rej, ok := upload(cfg, cfgPath, "enterprises import", file, "/api/v1/enterprises?filename="+url.QueryEscape(name), stderr)
	if rej != nil {
		printRegistryError(stderr, cfg, file, rowErrors(rej))
	}
	if !ok {
		return 1
	}
	var res api.EnterpriseImportJSON
	if err := json.Unmarshal(body, &res); err != nil {
		fmt.Fprintf(stderr, "dutybot enterprises import: %s answered %q: %v\n", base, body, err)
		return 1
	}
	fmt.Fprintf(stdout, "imported %s through the running dutybot's HTTP API at %s (it holds %s)\n", file, base, cfg.Storage.Path)
	warns := make([]enterprise.Warning, len(res.Warnings))
	for i, w := range res.Warnings {
		warns[i] = w.Warning
	}
	printRegistryImport(stdout, cfg, res.File, res.Count, res.Replaced, warns)
	return 0
}

// printRegistryError lists every bad row of a registry file, or tells why
// it could not be read, in the configured language.
func printRegistryError(w io.Writer, cfg *config.Config, file string, err error) {
	printFileProblems(w, cfg, "enterprises import", "EnterpriseCLI", file, err)
}

// printRegistryImport tells what an import stored and its warnings.
func printRegistryImport(w io.Writer, cfg *config.Config, file string, count, replaced int, warns []enterprise.Warning) {
	cat, err := locales.New(cfg.Language)
	if err != nil {
		fmt.Fprintf(w, "%s: %d enterprises stored, %d replaced\n", file, count, replaced)
		return
	}
	fmt.Fprintln(w, cat.T(cfg.Language, "EnterpriseCLIImported", map[string]any{"File": file, "Count": count, "Replaced": replaced}))
	printRegistryWarnings(w, cat, cfg.Language, warns)
}

func printRegistryWarnings(w io.Writer, cat *locales.Catalog, lang string, warns []enterprise.Warning) {
	if len(warns) == 0 {
		fmt.Fprintln(w, cat.T(lang, "EnterpriseCLINoWarnings", nil))
		return
	}
	for _, wn := range warns {
		fmt.Fprintln(w, wn.Text(cat, lang))
	}
}

func enterprisesTemplate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("template", flag.ContinueOnError)
	cfgPath := fs.String("config", "config.yaml", "configuration file")
	force := fs.Bool("force", false, "replace an existing file")
	file, code, ok := enterprisesFlags(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if !strings.EqualFold(filepath.Ext(file), ".xlsx") {
		fmt.Fprintf(stderr, "dutybot enterprises template: %s: the template is a workbook; name it .xlsx\n", file)
		return 2
	}
	cfg, ok := loadConfig(*cfgPath, stderr)
	if !ok {
		return 1
	}
	data, err := enterprise.Template(cfg)
	if err == nil {
		err = writeNew(file, data, *force)
	}
	if err != nil {
		fmt.Fprintf(stderr, "dutybot enterprises template: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %s: pick 行业, 风险等级, the officials and 属地 from the lists (%d officials, %d units), delete the example row, then run:\n  dutybot enterprises import -config %s %s\n",
		file, len(cfg.People().Officials), len(cfg.People().Units), *cfgPath, file)
	return 0
}

func (c cli) enterprisesExport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	cfgPath := fs.String("config", "config.yaml", "configuration file")
	force := fs.Bool("force", false, "replace an existing file")
	file, code, ok := enterprisesFlags(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if !strings.EqualFold(filepath.Ext(file), ".xlsx") {
		fmt.Fprintf(stderr, "dutybot enterprises export: %s: the export is a workbook; name it .xlsx\n", file)
		return 2
	}
	cfg, ok := loadConfig(*cfgPath, stderr)
	if !ok {
		return 1
	}
	_ = cfg.ResolveSecrets(os.Getenv)
	var (
		data  []byte
		count int
		via   string
	)
	a, locked, err := c.openDB(cfg, stderr)
	switch {
	case locked:
		var resp *http.Response
		if resp, data, err = apiGet(cfg, *cfgPath, "/api/v1/enterprises?format=xlsx"); err == nil {
			count, _ = strconv.Atoi(resp.Header.Get(api.HeaderEnterpriseCount))
		}
		via = "from the running dutybot's HTTP API at " + apiBase(cfg)
	case err != nil:
	default:
		data, count, err = a.Enterprises.ExportXLSX()
		a.DB.Close()
		via = "from " + cfg.Storage.Path
	}
	if err == nil {
		err = writeNew(file, data, *force)
	}
	if err != nil {
		fmt.Fprintf(stderr, "dutybot enterprises export: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %s: %s (read %s)\n", file, plural(count, "enterprise"), via)
	return 0
}

// registryCheck is check-config's line on the stored registry: its size
// and its warnings under this configuration (一人承包, plaques naming
// officials no longer configured), read from the database file, or from
// the running dutybot when it holds it. "" when there is no database yet.
func (c cli) registryCheck(cfg *config.Config, cfgPath string) []string {
	if _, err := os.Stat(cfg.Storage.Path); err != nil {
		return nil
	}
	var (
		list  []enterprise.Enterprise
		warns []enterprise.Warning
	)
	db, held, err := c.openDirect(cfg, true)
	switch {
	case held:
		_ = cfg.ResolveSecrets(os.Getenv)
		_, body, err := apiGet(cfg, cfgPath, "/api/v1/enterprises")
		var out api.EnterprisesJSON
		if err == nil {
			err = json.Unmarshal(body, &out)
		}
		if err != nil {
			return []string{"enterprises: not checked: " + err.Error()}
		}
		// The running bot's configuration may differ: check against this one.
		for _, e := range out.Enterprises {
			list = append(list, enterprise.Enterprise{Code: e.Code, Name: e.Name, Admin: e.Admin, AdminName: e.AdminName,
				Supervisor: e.Supervisor, SupervisorName: e.SupervisorName, Guarantor: e.Guarantor, GuarantorName: e.GuarantorName})
		}
	case err != nil:
		return []string{"enterprises: not checked: " + err.Error()}
	default:
		err = db.View(func(tx *storage.Tx) error {
			var err error
			list, err = enterprise.All(tx)
			return err
		})
		db.Close()
		if err != nil {
			return []string{"enterprises: not checked: " + err.Error()}
		}
	}
	warns = enterprise.Check(cfg, list)
	lines := []string{fmt.Sprintf("enterprises: %s in the registry, %s", plural(len(list), "enterprise"), plural(len(warns), "warning"))}
	cat, err := locales.New(cfg.Language)
	if err != nil {
		return lines
	}
	for _, w := range warns {
		lines = append(lines, "  "+w.Text(cat, cfg.Language))
	}
	return lines
}
