package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Asia/Shanghai must load even on hosts without zoneinfo.
	"unicode"

	"gopkg.in/yaml.v3"
)

// Default values applied when a key is missing from the file.
const (
	DefaultTimezone        = "Asia/Shanghai"
	DefaultLanguage        = "zh-CN"
	DefaultAPIURL          = "https://api.telegram.org"
	DefaultPollTimeout     = 30 * time.Second
	DefaultStoragePath     = "./data/dutybot.db"
	DefaultTakeover        = 15 * time.Second
	DriverBolt             = "bbolt"
	DriverPostgres         = "postgres"
	DefaultListen          = "127.0.0.1:8080"
	DefaultGlobalPerSecond = 30
	DefaultChatPerSecond   = 1
	DefaultChatBurst       = 3
	DefaultGroupPerMinute  = 20
	// DefaultGroupEditInterval spaces the edits of a group's live 叫应.
	DefaultGroupEditInterval = 3 * time.Second
	DefaultRequestTimeout    = 15 * time.Second
	DefaultGiveUpAfter       = 10 * time.Minute
	DefaultPaidRetryAfter    = 10 * time.Minute
	// MaxWorkers bounds delivery.workers: each is an HTTP request in flight.
	MaxWorkers    = 512
	DefaultPolicy = "default"
)

// Environment variables consulted by ResolveSecrets.
const (
	EnvTelegramToken = "DUTYBOT_TELEGRAM_TOKEN"
	EnvAPIToken      = "DUTYBOT_API_TOKEN"
	EnvStorageDSN    = "DUTYBOT_STORAGE_DSN"
)

// MaxIDLen is the longest unit or official id; ids travel in Telegram
// callback data, which is limited to 64 bytes.
const MaxIDLen = 24

// Languages lists the supported interface languages.
var Languages = []string{"zh-CN", "en"}

// Roles lists every valid official role.
var Roles = []string{RoleStaff, RoleUnitHead, RoleLeader, RolePrincipal, RoleDutyLeader, RoleAdmin}

// Targets lists every valid escalation target.
var Targets = []string{ToUnitHead, ToLeader, ToPrincipal, ToDutyLeader}

// FieldError is one configuration problem at a key path such as
// "officials[3].phone".
type FieldError struct {
	Path    string
	Message string
}

// Error returns "path: message".
func (e *FieldError) Error() string { return e.Path + ": " + e.Message }

// Errors is every problem found in a configuration, reported together.
type Errors []error

// Error lists the problems, one per line.
func (e Errors) Error() string {
	lines := make([]string, len(e))
	for i, err := range e {
		lines[i] = err.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the individual problems for errors.Is and errors.As.
func (e Errors) Unwrap() []error { return e }

// errs collects problems while decoding and validating.
type errs struct{ list Errors }

func (e *errs) add(path, format string, args ...any) {
	e.list = append(e.list, &FieldError{Path: path, Message: fmt.Sprintf(format, args...)})
}

func (e *errs) err() error {
	if len(e.list) == 0 {
		return nil
	}
	return e.list
}

// Load reads and parses the configuration file at path, and the 通讯录 it
// names (directory.file, relative to path's directory).
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}
	cfg, err := parse(data, filepath.Dir(path))
	if err != nil {
		var list Errors
		if errors.As(err, &list) && len(list) > 1 {
			return nil, fmt.Errorf("config %s: %d problems:\n%w", path, len(list), err)
		}
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}

// Parse decodes a YAML configuration, applies defaults and validates it.
// The returned Config is read-only and safe for concurrent use. It reads
// no file: the directory is the YAML lists, directory.file or not (Load
// reads it).
func Parse(data []byte) (*Config, error) { return parse(data, "") }

// parse is Parse, reading the 通讯录 of directory.file relative to base
// unless base is "".
func parse(data []byte, base string) (*Config, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parse yaml: %w", err)
	}
	cfg := defaults()
	if len(doc.Content) > 0 {
		root := doc.Content[0]
		// Pass 1: unknown keys, duplicate keys and values of the wrong type,
		// all with our key paths. Decoding can only fail in ways pass 1 has
		// already reported, so stop here if it found anything.
		var e errs
		checkNode(root, reflect.TypeFor[Config](), "", &e)
		if err := e.err(); err != nil {
			return nil, err
		}
		if err := root.Decode(&cfg); err != nil {
			return nil, fmt.Errorf("decode yaml: %w", err)
		}
	}
	if cfg.Escalation.Policies == nil && cfg.Escalation.Levels == nil {
		cfg.Escalation = defaultEscalation()
	}
	if cfg.Cadence.Rules == nil {
		cfg.Cadence.Rules = DefaultCadence()
	}
	cfg.applyDutyDefaults()
	cfg.applyReportDefaults()
	if base != "" && cfg.Directory.File != "" {
		return cfg.withFile(base)
	}
	cfg.Reindex() // validation looks officials and units up
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	// Every official's phone is a valid mobile by now: keep it in the one
	// form it is shown and matched in, so no surface shows it as typed.
	// The index (Reindex above) matches phones normalised, so it holds
	// for them shown.
	for i := range cfg.Officials {
		cfg.Officials[i].Phone = DisplayPhone(cfg.Officials[i].Phone)
	}
	return &cfg, nil
}

// withFile finishes parse for a configuration with a 通讯录: the file is
// read and validated with the rest, the directory is the YAML lists and
// the file's people, and Units and Officials keep the YAML's.
func (cfg Config) withFile(base string) (*Config, error) {
	var e errs
	cfg.validateDirectory(&e)
	if err := e.err(); err != nil {
		return nil, err
	}
	cfg.resolveDirectory(base)
	p, err := cfg.fileDirectory()
	if err != nil {
		return nil, err
	}
	// fileDirectory validated the whole, the time zone included.
	cfg.Location, _ = time.LoadLocation(cfg.Timezone)
	for i := range cfg.Officials {
		cfg.Officials[i].Phone = DisplayPhone(cfg.Officials[i].Phone)
	}
	cfg.people = &peopleBox{}
	cfg.SetPeople(p)
	return &cfg, nil
}

func defaults() Config {
	incidents, tips, ledger := defaultReports()
	return Config{
		Incidents: incidents,
		Tips:      tips,
		Ledger:    ledger,
		Health:    defaultHealth(),
		Timezone:  DefaultTimezone,
		Language:  DefaultLanguage,
		Telegram: Telegram{
			APIURL:      DefaultAPIURL,
			PollTimeout: Duration(DefaultPollTimeout),
		},
		Storage: Storage{Driver: DriverBolt, Path: DefaultStoragePath},
		HA:      HA{Takeover: Duration(DefaultTakeover)},
		Tasks:   Tasks{DueHour: 18, OverdueLevel: "yellow", SetupWithin: Duration(30 * 24 * time.Hour)},
		Cadence: Cadence{Grace: Duration(time.Hour)},
		HTTP:    HTTP{Listen: DefaultListen},
		Board:   Board{LinkTTL: Duration(15 * time.Minute), SessionTTL: Duration(12 * time.Hour)},
		Roster:  defaultRoster(),
		Delivery: Delivery{
			GlobalPerSecond:   DefaultGlobalPerSecond,
			ChatPerSecond:     DefaultChatPerSecond,
			ChatBurst:         DefaultChatBurst,
			GroupPerMinute:    DefaultGroupPerMinute,
			GroupEditInterval: Duration(DefaultGroupEditInterval),
			RequestTimeout:    Duration(DefaultRequestTimeout),
			GiveUpAfter:       Duration(DefaultGiveUpAfter),
			PaidBroadcast:     PaidBroadcast{PerSecond: MaxPaidPerSecond, RetryAfter: Duration(DefaultPaidRetryAfter)},
		},
		Enterprises: Enterprises{MaxPerPerson: DefaultMaxPerPerson},
		Directory:   Directory{Limits: DefaultDirectoryLimits()},
		Phone:       defaultPhone(),
	}
}

// defaultEscalation is used when the file has no escalation block. It is
// built fresh each time so that configs never share maps.
func defaultEscalation() Escalation {
	e := Escalation{
		Policies: map[string][]Step{
			DefaultPolicy: {
				{After: Duration(10 * time.Minute), Action: ActionRemind},
				{After: Duration(20 * time.Minute), Action: ActionEscalate, To: ToUnitHead},
				{After: Duration(30 * time.Minute), Action: ActionEscalate, To: ToLeader},
				{After: Duration(45 * time.Minute), Action: ActionEscalate, To: ToPrincipal},
			},
		},
		Levels: map[string]string{},
	}
	for _, l := range Levels {
		e.Levels[l] = DefaultPolicy
	}
	return e
}

// UnmarshalYAML accepts a Go duration such as "10m", "2s" or "1h30m".
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("expected a duration (e.g. 10m, 2s), got %s", describe(n))
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("%q is not a duration (e.g. 10m, 2s)", n.Value)
	}
	if v < 0 {
		return fmt.Errorf("%q is negative; a duration must be 0 or more", n.Value)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes d as "10m0s".
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// String formats d like time.Duration.
func (d Duration) String() string { return time.Duration(d).String() }

// NormalizePhone reduces a phone number to its digits: it removes spaces,
// dashes, parentheses and dots, and drops a leading "+86", "0086" or "86"
// country code when what remains is 11 digits. "+86 138-0000-0001" becomes
// "13800000001". Other input is returned with only the separators removed.
func NormalizePhone(s string) string {
	if len(s) == 11 && allDigits(s) {
		return s // as most are stored: nothing to remove
	}
	s = strings.Map(func(r rune) rune {
		switch r {
		case '-', '(', ')', '.', '（', '）', '－':
			return -1
		}
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	for _, cc := range []string{"+86", "0086", "86"} {
		if rest, ok := strings.CutPrefix(s, cc); ok && len(rest) == 11 && allDigits(rest) {
			return rest
		}
	}
	return s
}

// IsMobile says whether a normalised number is a mainland mobile: 11
// digits starting with 1.
func IsMobile(normalised string) bool {
	return len(normalised) == 11 && normalised[0] == '1' && allDigits(normalised)
}

// DisplayPhone is the one form phone numbers are shown in, whatever form
// they were typed in: a mainland mobile as its 11 digits ("+86 138 0000
// 0007" and "138-0000-0007" both show as "13800000007", which is also what
// a tel: link and a colleague's dialler want); anything else (a landline
// such as "023-6868 1234") as typed, trimmed.
func DisplayPhone(s string) string {
	if n := NormalizePhone(s); IsMobile(n) {
		return n
	}
	return strings.TrimSpace(s)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// botTokenRE is the shape of a Bot API token ("123456:ABC-def_…"); a
// token of another shape is refused at start instead of at Telegram's 401.
var botTokenRE = regexp.MustCompile(`^[0-9]+:[A-Za-z0-9_-]+$`)

// ResolveSecrets fills Telegram.Token and HTTP.APIToken from the files named
// in the configuration or, when no file is named, from the environment
// variables DUTYBOT_TELEGRAM_TOKEN and DUTYBOT_API_TOKEN. The Telegram token
// is required; the API token is optional. A nil getenv means os.Getenv.
// Error messages never contain a secret.
func (c *Config) ResolveSecrets(getenv func(string) string) error {
	if getenv == nil {
		getenv = os.Getenv
	}
	var e errs
	tok, ok := readSecret(&e, "telegram.token_file", c.Telegram.TokenFile, EnvTelegramToken, getenv)
	switch {
	case ok && tok == "":
		e.add("telegram.token_file", "empty and %s is not set", EnvTelegramToken)
	case ok && !botTokenRE.MatchString(tok):
		from := EnvTelegramToken
		if c.Telegram.TokenFile != "" {
			from = fmt.Sprintf("%q", c.Telegram.TokenFile)
		}
		e.add("telegram.token_file", "the token in %s is not a bot token: @BotFather gives digits, a colon, then letters, digits, - and _", from)
	}
	c.Telegram.Token = tok
	c.HTTP.APIToken, _ = readSecret(&e, "http.api_token_file", c.HTTP.APITokenFile, EnvAPIToken, getenv)
	c.resolveDSN(&e, getenv)
	c.resolvePhoneSecrets(&e, getenv)
	return e.err()
}

// ResolveStorage fills Storage.DSN, as ResolveSecrets does, for the
// commands that need the database but not Telegram. A nil getenv means
// os.Getenv.
func (c *Config) ResolveStorage(getenv func(string) string) error {
	if getenv == nil {
		getenv = os.Getenv
	}
	var e errs
	c.resolveDSN(&e, getenv)
	return e.err()
}

func (c *Config) resolveDSN(e *errs, getenv func(string) string) {
	if !c.Storage.Postgres() {
		return
	}
	dsn, ok := readDSN(e, c.Storage.DSNFile, getenv)
	if ok && dsn == "" {
		e.add("storage.dsn_file", "empty and %s is not set: storage.driver postgres needs the database's connection string", EnvStorageDSN)
	}
	c.Storage.DSN = dsn
}

// readDSN reads the PostgreSQL connection string from file or
// DUTYBOT_STORAGE_DSN: one line, which may hold spaces (key=value form).
func readDSN(e *errs, file string, getenv func(string) string) (string, bool) {
	if file == "" {
		return strings.TrimSpace(getenv(EnvStorageDSN)), true
	}
	data, err := os.ReadFile(file)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		e.add("storage.dsn_file", "cannot read %q: %v", file, err)
		return "", false
	}
	dsn := strings.TrimSpace(string(data))
	if dsn == "" {
		e.add("storage.dsn_file", "%q is empty", file)
		return "", false
	}
	return dsn, true
}

// readSecret returns the trimmed content of file, or the environment
// variable env when file is empty. ok is false when a problem was recorded.
func readSecret(e *errs, key, file, env string, getenv func(string) string) (secret string, ok bool) {
	if file == "" {
		return strings.TrimSpace(getenv(env)), true
	}
	data, err := os.ReadFile(file)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is already in the message
		}
		e.add(key, "cannot read %q: %v", file, err)
		return "", false
	}
	secret = strings.TrimSpace(string(data))
	switch {
	case secret == "":
		e.add(key, "%q is empty", file)
		return "", false
	case strings.ContainsFunc(secret, unicode.IsSpace):
		e.add(key, "%q holds more than one word; it must contain only the token", file)
		return "", false
	}
	return secret, true
}

// validate checks c and sets c.Location. It reports every problem found.
func (c *Config) validate() error {
	var e errs

	if c.Timezone == "" {
		e.add("timezone", `"" is empty; use an IANA name such as %q`, DefaultTimezone)
	} else if loc, err := time.LoadLocation(c.Timezone); err != nil {
		e.add("timezone", "%q cannot be loaded: %v", c.Timezone, err)
	} else {
		c.Location = loc
	}
	checkLanguage(&e, "language", c.Language, false)

	c.validateTelegram(&e)
	switch c.Storage.Driver {
	case DriverBolt, DriverPostgres:
	default:
		e.add("storage.driver", "%q is not a storage driver: use %q (one file, the default) or %q (a shared database)", c.Storage.Driver, DriverBolt, DriverPostgres)
	}
	if t := c.HA.Takeover.D(); t < time.Second {
		e.add("ha.takeover", "%v is too short: a standby must see the engine's lease lapse before it takes over; give a second or more (default %v)", t, DefaultTakeover)
	}
	if c.Storage.Path == "" && !c.Storage.Postgres() {
		e.add("storage.path", `"" is empty; give the database file, e.g. %q`, DefaultStoragePath)
	}
	if _, port, err := net.SplitHostPort(c.HTTP.Listen); err != nil {
		e.add("http.listen", "%q is not host:port (e.g. %s): %v", c.HTTP.Listen, DefaultListen, addrErr(err))
	} else if port == "" {
		e.add("http.listen", "%q has no port (e.g. %s)", c.HTTP.Listen, DefaultListen)
	}
	if u := c.HTTP.PublicURL; u != "" {
		if pu, err := url.Parse(u); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			e.add("http.public_url", "%q is not an http(s) URL such as https://duty.example.gov.cn", u)
		}
	}
	if c.Board.LinkTTL <= 0 {
		e.add("board.link_ttl", "%s must be positive", c.Board.LinkTTL)
	}
	if c.Board.SessionTTL <= 0 {
		e.add("board.session_ttl", "%s must be positive", c.Board.SessionTTL)
	}
	c.validateDelivery(&e)
	c.validateUnits(&e)
	c.validateSupervision(&e)
	c.validateOfficials(&e)
	c.validateEscalation(&e)
	c.validatePhone(&e)
	if c.Tasks.DueHour < 1 || c.Tasks.DueHour > 23 {
		e.add("tasks.due_hour", "%d is not an hour from 1 to 23", c.Tasks.DueHour)
	}
	if l := c.Tasks.OverdueLevel; l != "off" && !slices.Contains(Levels, l) {
		e.add("tasks.overdue_level", "%q is not blue, yellow, orange, red or off", l)
	}
	if o := c.Tasks.Ongoing; o != "" && !slices.Contains(OngoingRhythms, o) {
		e.add("tasks.ongoing", "%q is not empty (never ask), %s", o, strings.Join(OngoingRhythms, ", "))
	}
	if c.Tasks.SetupWithin <= 0 {
		e.add("tasks.setup_within", "%s must be positive", time.Duration(c.Tasks.SetupWithin))
	}
	c.validateCadence(&e)
	c.validateRoster(&e)
	c.validateWeather(&e)
	c.validateReports(&e)
	c.validateHealth(&e)
	c.validateEnterprises(&e)
	c.validateGroups(&e)
	c.validateGroupRefs(&e)
	c.validateDirectory(&e)
	return e.err()
}

func addrErr(err error) string {
	var ae *net.AddrError
	if errors.As(err, &ae) {
		return ae.Err
	}
	return err.Error()
}

func (c *Config) validateTelegram(e *errs) {
	t := c.Telegram
	u, err := url.Parse(t.APIURL)
	switch {
	case t.APIURL == "":
		e.add("telegram.api_url", `"" is empty; use %q or the URL of a local Bot API server`, DefaultAPIURL)
	case err != nil:
		e.add("telegram.api_url", "%q is not a URL: %v", t.APIURL, errors.Unwrap(err))
	case u.Scheme != "http" && u.Scheme != "https":
		e.add("telegram.api_url", "%q must be an absolute http:// or https:// URL", t.APIURL)
	case u.Host == "":
		e.add("telegram.api_url", "%q has no host", t.APIURL)
	case u.RawQuery != "" || u.Fragment != "":
		e.add("telegram.api_url", "%q must not have a query or fragment", t.APIURL)
	case strings.HasSuffix(t.APIURL, "/"):
		e.add("telegram.api_url", "%q must not end with \"/\" (the bot appends /bot<token>/<method>)", t.APIURL)
	}
	if t.PollTimeout.D() < time.Second {
		e.add("telegram.poll_timeout", "%q is too short; use at least 1s (Telegram counts whole seconds, 0 would poll in a tight loop)", t.PollTimeout.String())
	}
}

func (c *Config) validateDelivery(e *errs) {
	d := c.Delivery
	positive := func(key string, v float64) {
		if !(v > 0) { // also rejects NaN
			e.add("delivery."+key, "%v must be greater than 0", v)
		}
	}
	positive("global_per_second", d.GlobalPerSecond)
	positive("chat_per_second", d.ChatPerSecond)
	if d.ChatBurst <= 0 {
		e.add("delivery.chat_burst", "%d must be greater than 0", d.ChatBurst)
	}
	positive("group_per_minute", d.GroupPerMinute)
	if d.GroupEditInterval < 0 {
		e.add("delivery.group_edit_interval", "%s must not be negative", d.GroupEditInterval.D())
	}
	if d.RequestTimeout <= 0 {
		e.add("delivery.request_timeout", "%q must be greater than 0", d.RequestTimeout.String())
	}
	if d.GiveUpAfter <= 0 {
		e.add("delivery.give_up_after", "%q must be greater than 0", d.GiveUpAfter.String())
	}
	if d.Workers < 0 || d.Workers > MaxWorkers {
		e.add("delivery.workers", "%d is not from 0 (choose) to %d", d.Workers, MaxWorkers)
	}
	p := d.PaidBroadcast
	for i, l := range p.Levels {
		if !slices.Contains(Levels, l) {
			e.add(fmt.Sprintf("delivery.paid_broadcast.levels[%d]", i), "%q is not blue, yellow, orange or red", l)
		}
	}
	for i, k := range p.Kinds {
		if !slices.Contains(AlertKinds, k) {
			e.add(fmt.Sprintf("delivery.paid_broadcast.kinds[%d]", i), "%q is not an alert kind: use %s", k, strings.Join(AlertKinds, ", "))
		}
	}
	if !(p.PerSecond > 0) || p.PerSecond > MaxPaidPerSecond {
		e.add("delivery.paid_broadcast.per_second", "%v is not above 0 and at most %d (Telegram's ceiling for paid broadcast)", p.PerSecond, MaxPaidPerSecond)
	}
	if p.RetryAfter <= 0 {
		e.add("delivery.paid_broadcast.retry_after", "%q must be greater than 0", p.RetryAfter.String())
	}
}

// WorkerCount chooses how many messages are on their way at once: the
// configured number, else 8, or 64 with paid broadcast.
func (d Delivery) WorkerCount() int {
	switch {
	case d.Workers > 0:
		return d.Workers
	case d.PaidBroadcast.Enabled():
		return 64
	}
	return 8
}

func (c *Config) validateUnits(e *errs) {
	p := c.People() // indexed: parse and CheckPeople index before they validate
	officials := func(id string) bool { _, ok := p.Official(id); return ok }
	seen := make(map[string]int, len(c.Units))
	for i, u := range c.Units {
		p := fmt.Sprintf("units[%d]", i)
		if checkID(e, p+".id", u.ID) {
			if j, dup := seen[u.ID]; dup {
				e.add(p+".id", "%q duplicates %s", u.ID, c.unitRef(j))
			} else {
				seen[u.ID] = i
			}
		}
		if strings.TrimSpace(u.Name) == "" {
			e.add(p+".name", "%q is empty; give the unit's name (e.g. 应急办)", u.Name)
		}
		if u.Head != "" && !officials(u.Head) {
			e.add(p+".head", "official %q is not defined", u.Head)
		}
		if u.Leader != "" && !officials(u.Leader) {
			e.add(p+".leader", "official %q is not defined", u.Leader)
		}
		for j, tag := range u.Tags {
			if strings.TrimSpace(tag) == "" {
				e.add(fmt.Sprintf("%s.tags[%d]", p, j), "%q is empty", tag)
			}
		}
	}
}

func (c *Config) validateOfficials(e *errs) {
	units := make(map[string]bool, len(c.Units))
	for _, u := range c.Units {
		units[u.ID] = true
	}
	ids := make(map[string]int, len(c.Officials))
	phones := make(map[string]int, len(c.Officials))
	tgIDs := map[int64]int{}
	admin := false
	for i, o := range c.Officials {
		// The key path is made only for a problem: a district has
		// 100,000 officials.
		at := func(key string) string { return "officials[" + strconv.Itoa(i) + "]." + key }
		if validID(o.ID) || checkID(e, at("id"), o.ID) {
			if j, dup := ids[o.ID]; dup {
				e.add(at("id"), "%q duplicates %s", o.ID, c.officialRef(j, ""))
			} else {
				ids[o.ID] = i
			}
		}
		if strings.TrimSpace(o.Name) == "" {
			e.add(at("name"), "%q is empty; give the official's name", o.Name)
		}
		switch {
		case o.Unit == "":
			e.add(at("unit"), `"" is empty; give the id of the official's unit`)
		case !units[o.Unit]:
			e.add(at("unit"), "unit %q is not defined", o.Unit)
		}
		switch norm := NormalizePhone(o.Phone); {
		case o.Phone == "":
			e.add(at("phone"), `"" is empty; a mobile number is required to link the Telegram account`)
		case !IsMobile(norm):
			e.add(at("phone"), "%q is not an 11-digit mobile number starting with 1", o.Phone)
		default:
			if j, dup := phones[norm]; dup {
				e.add(at("phone"), "%q duplicates %s", o.Phone, c.officialRef(j, "phone"))
			} else {
				phones[norm] = i
			}
		}
		if len(o.Roles) == 0 {
			e.add(at("roles"), "none given; use one or more of %s", strings.Join(Roles, ", "))
		}
		for j, r := range o.Roles {
			if !slices.Contains(Roles, r) {
				e.add(fmt.Sprintf("%s[%d]", at("roles"), j), "%q is not one of %s", r, strings.Join(Roles, ", "))
			}
			if r == RoleAdmin {
				admin = true
			}
		}
		switch {
		case o.TelegramID < 0:
			e.add(at("telegram_id"), "%d is negative; use the numeric user id, or 0 to link by phone", o.TelegramID)
		case o.TelegramID > 0:
			if j, dup := tgIDs[o.TelegramID]; dup {
				e.add(at("telegram_id"), "%d duplicates %s", o.TelegramID, c.officialRef(j, "telegram_id"))
			} else {
				tgIDs[o.TelegramID] = i
			}
		}
		if o.Language != "" {
			checkLanguage(e, at("language"), o.Language, true)
		}
	}
	if !admin {
		e.add("officials", "no official has role %q; someone must receive operational notices", RoleAdmin)
	}
}

func (c *Config) validateEscalation(e *errs) {
	names := slices.Sorted(mapKeys(c.Escalation.Policies))
	for _, name := range names {
		steps := c.Escalation.Policies[name]
		p := "escalation.policies." + name
		if name == "" {
			e.add(p, `"" is not a valid policy name`)
		}
		if len(steps) == 0 {
			e.add(p, "no steps; give at least one")
		}
		var prev Duration
		for i, s := range steps {
			sp := fmt.Sprintf("%s[%d]", p, i)
			switch {
			case s.After <= 0:
				e.add(sp+".after", "%q must be greater than 0", s.After.String())
			case i > 0 && s.After <= prev:
				e.add(sp+".after", "%q must be later than the previous step's %q", s.After.String(), prev.String())
			}
			if s.After > prev {
				prev = s.After
			}
			switch s.Action {
			case ActionRemind:
				if s.To != "" {
					e.add(sp+".to", "%q is not allowed with action remind (a reminder goes to the same recipient)", s.To)
				}
			case ActionEscalate:
				switch {
				case s.To == "":
					e.add(sp+".to", `"" is required with action escalate; use one of %s`, strings.Join(Targets, ", "))
				case !slices.Contains(Targets, s.To):
					e.add(sp+".to", "%q is not one of %s", s.To, strings.Join(Targets, ", "))
				}
			case ActionCall, ActionSMS:
				if s.To != "" && s.To != ToSelf && !slices.Contains(Targets, s.To) {
					e.add(sp+".to", "%q is not %s (the recipient, the default) or one of %s", s.To, ToSelf, strings.Join(Targets, ", "))
				}
			default:
				e.add(sp+".action", "%q must be %s, %s, %s or %s", s.Action, ActionRemind, ActionEscalate, ActionCall, ActionSMS)
			}
		}
	}
	for _, level := range Levels {
		name, ok := c.Escalation.Levels[level]
		switch {
		case !ok:
			e.add("escalation.levels", "%q is not mapped; every level (%s) needs a policy", level, strings.Join(Levels, ", "))
		case name == "":
			e.add("escalation.levels."+level, `"" is empty; name a policy`)
		default:
			if _, defined := c.Escalation.Policies[name]; !defined {
				e.add("escalation.levels."+level, "policy %q is not defined", name)
			}
		}
	}
	for _, level := range slices.Sorted(mapKeys(c.Escalation.Levels)) {
		if !slices.Contains(Levels, level) {
			e.add("escalation.levels."+level, "unknown level; use %s", strings.Join(Levels, ", "))
		}
	}
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// validID reports whether id is usable as a unit or official id, as
// checkID does without saying why not.
func validID(id string) bool {
	if id == "" || len(id) > MaxIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		b := id[i]
		if !('a' <= b && b <= 'z' || '0' <= b && b <= '9' || b == '_' || b == '-') {
			return false
		}
	}
	return true
}

// checkID reports whether id is usable as a unit or official id.
func checkID(e *errs, path, id string) bool {
	if id == "" {
		e.add(path, `"" is empty; an id is required`)
		return false
	}
	for i := 0; i < len(id); i++ {
		b := id[i]
		if !('a' <= b && b <= 'z' || '0' <= b && b <= '9' || b == '_' || b == '-') {
			e.add(path, "%q may contain only a-z, 0-9, _ and -", id)
			return false
		}
	}
	if len(id) > MaxIDLen {
		e.add(path, "%q is %d bytes; at most %d are allowed (ids travel in 64-byte Telegram callback data)", id, len(id), MaxIDLen)
		return false
	}
	return true
}

func checkLanguage(e *errs, path, lang string, optional bool) {
	if optional && lang == "" || slices.Contains(Languages, lang) {
		return
	}
	e.add(path, "%q is not supported; use %s", lang, strings.Join(Languages, " or "))
}

// checkNode walks n against the yaml tags of t and records unknown or
// duplicate keys and values of the wrong shape or type, each with its key
// path ("officials[3].roles"). It works for any tree of structs, slices,
// string-keyed maps and scalars.
func checkNode(n *yaml.Node, t reflect.Type, path string, e *errs) {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return // an empty value leaves the default
	}
	if reflect.PointerTo(t).Implements(reflect.TypeFor[yaml.Unmarshaler]()) {
		if err := n.Decode(reflect.New(t).Interface()); err != nil {
			e.add(pathOr(path), "%v%s", err, lineOf(n))
		}
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		checkNode(n, t.Elem(), path, e)
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			e.add(pathOr(path), "expected a mapping of keys, got %s%s", describe(n), lineOf(n))
			return
		}
		fields := structFields(t)
		eachPair(n, path, e, func(key string, val *yaml.Node, kn *yaml.Node) {
			ft, ok := fields[key]
			if !ok {
				e.add(join(path, key), "unknown key%s%s", suggest(key, fields), lineOf(kn))
				return
			}
			checkNode(val, ft, join(path, key), e)
		}, func(m *yaml.Node) { checkNode(m, t, path, e) })
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			e.add(pathOr(path), "expected a mapping, got %s%s", describe(n), lineOf(n))
			return
		}
		eachPair(n, path, e, func(key string, val *yaml.Node, _ *yaml.Node) {
			checkNode(val, t.Elem(), join(path, key), e)
		}, func(m *yaml.Node) { checkNode(m, t, path, e) })
	case reflect.Slice, reflect.Array:
		if n.Kind != yaml.SequenceNode {
			e.add(pathOr(path), "expected a list, got %s%s", describe(n), lineOf(n))
			return
		}
		for i, item := range n.Content {
			checkNode(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i), e)
		}
	default:
		if n.Kind != yaml.ScalarNode {
			e.add(pathOr(path), "expected %s, got %s%s", kindName(t), describe(n), lineOf(n))
			return
		}
		if err := n.Decode(reflect.New(t).Interface()); err != nil {
			e.add(pathOr(path), "%q is not %s%s", n.Value, kindName(t), lineOf(n))
		}
	}
}

// eachPair calls fn for each key of mapping n, reports duplicate and
// non-scalar keys, and hands "<<" merge values to merge.
func eachPair(n *yaml.Node, path string, e *errs, fn func(key string, val, keyNode *yaml.Node), merge func(*yaml.Node)) {
	seen := make(map[string]int, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			for v.Kind == yaml.AliasNode && v.Alias != nil {
				v = v.Alias
			}
			if v.Kind == yaml.SequenceNode {
				for _, m := range v.Content {
					merge(m)
				}
			} else {
				merge(v)
			}
			continue
		}
		if k.Kind != yaml.ScalarNode {
			e.add(pathOr(path), "a key must be a plain word, got %s%s", describe(k), lineOf(k))
			continue
		}
		if line, dup := seen[k.Value]; dup {
			e.add(join(path, k.Value), "duplicate key at line %d (first at line %d)", k.Line, line)
			continue
		}
		seen[k.Value] = k.Line
		fn(k.Value, v, k)
	}
}

// structFields maps the yaml key names of t's exported fields to their
// types, following ",inline" structs and skipping `yaml:"-"`.
func structFields(t reflect.Type) map[string]reflect.Type {
	fields := make(map[string]reflect.Type, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		if !f.IsExported() || tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if slices.Contains(strings.Split(opts, ","), "inline") && f.Type.Kind() == reflect.Struct {
			for k, v := range structFields(f.Type) {
				fields[k] = v
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		fields[name] = f.Type
	}
	return fields
}

// suggest returns `; did you mean "x"?` for the closest known key, if close.
func suggest(key string, fields map[string]reflect.Type) string {
	best, bestD := "", 3
	for _, k := range slices.Sorted(mapKeys(fields)) {
		if d := editDistance(key, k); d < bestD {
			best, bestD = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf("; did you mean %q?", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func pathOr(path string) string {
	if path == "" {
		return "(top level)"
	}
	return path
}

func lineOf(n *yaml.Node) string {
	if n.Line == 0 {
		return ""
	}
	return fmt.Sprintf(" (line %d)", n.Line)
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	}
	return "nothing"
}

func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a single value"
	}
	return "a " + t.Kind().String()
}
