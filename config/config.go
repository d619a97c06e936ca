// Package config loads and validates dutybot's YAML configuration. Its key
// names are an interface operators and scripts rely on: keep them stable.
package config

import (
	"slices"
	"time"
)

// Roles an official can hold.
const (
	RoleStaff      = "staff"
	RoleUnitHead   = "unit_head"
	RoleLeader     = "leader"    // 分管领导
	RolePrincipal  = "principal" // 主要负责人
	RoleDutyLeader = "duty_leader"
	RoleAdmin      = "admin"
)

// Alert levels, lowest first.
var Levels = []string{"blue", "yellow", "orange", "red"}

// Escalation actions and targets.
const (
	ActionRemind   = "remind"
	ActionEscalate = "escalate"

	ToUnitHead   = "unit_head"
	ToLeader     = "leader"
	ToPrincipal  = "principal"
	ToDutyLeader = "duty_leader"
)

// Config is the whole configuration file.
type Config struct {
	Timezone string   `yaml:"timezone"`
	Language string   `yaml:"language"`
	Telegram Telegram `yaml:"telegram"`
	Storage  Storage  `yaml:"storage"`
	HTTP     HTTP     `yaml:"http"`
	Delivery Delivery `yaml:"delivery"`
	// Units and Officials are the directory as the file was parsed. Read
	// the live directory with People(): a reload replaces it, not these.
	Units     []Unit     `yaml:"units"`
	Officials []Official `yaml:"officials"`
	// Directory names a 通讯录 file whose people join the lists above
	// (directory.go); they are in People(), not in these fields.
	Directory  Directory  `yaml:"directory"`
	Escalation Escalation `yaml:"escalation"`
	// Phone places the call and sms steps of escalation policies (电话叫应).
	Phone     Phone     `yaml:"phone"`
	Tasks     Tasks     `yaml:"tasks"`
	Calendar  Calendar  `yaml:"calendar"`
	Cadence   Cadence   `yaml:"cadence"`
	Roster    Roster    `yaml:"roster"`
	Weather   Weather   `yaml:"weather"`
	Board     Board     `yaml:"board"`
	Incidents Incidents `yaml:"incidents"`
	Tips      Tips      `yaml:"tips"`
	Ledger    Ledger    `yaml:"ledger"`
	Health    Health    `yaml:"health"`
	// HA applies with storage.driver postgres.
	HA HA `yaml:"ha"`
	// Supervision says which department supervises which sector (/who).
	Supervision Supervision `yaml:"supervision"`

	Enterprises Enterprises `yaml:"enterprises"`

	// Groups are the town's work groups (工作群), places a 叫应 can be
	// posted for everyone expected to answer there (groups.go).
	Groups []Group `yaml:"groups"`

	// Location is Timezone loaded; set by Load.
	Location *time.Location `yaml:"-"`

	// ShowSeconds shows answer deadlines to the second (请于 10:58:30 前)
	// instead of to the minute. `dutybot sandbox` sets it when it divides
	// the escalation timings, where a whole window can fall inside one
	// minute; it is not a key of the file. See DeadlineTime.
	ShowSeconds bool `yaml:"-"`

	// people holds the live directory (People), shared by copies of the
	// Config so that a reload reaches every service; see people.go.
	people *peopleBox `yaml:"-"`
	// directoryPath is directory.file resolved against the configuration
	// file's directory by Load; "" when Parse read no file.
	directoryPath string
	// origin places the officials and units of a 通讯录 while a directory
	// is validated, so that problems name its rows (directoryfile.go).
	origin *origin
}

// Telegram says how to reach the Bot API.
type Telegram struct {
	APIURL      string   `yaml:"api_url"`
	TokenFile   string   `yaml:"token_file"`
	PollTimeout Duration `yaml:"poll_timeout"`
	// Token is read from TokenFile or DUTYBOT_TELEGRAM_TOKEN by ResolveSecrets.
	Token string `yaml:"-"`
}

// Storage says where the state lives: the embedded bbolt file (the
// default), or a PostgreSQL database several instances share (ha.go).
type Storage struct {
	// Driver is "bbolt" (default) or "postgres".
	Driver string `yaml:"driver"`
	// Path is the bbolt file.
	Path string `yaml:"path"`
	// DSNFile holds the PostgreSQL connection string (it may hold a
	// password); empty: DUTYBOT_STORAGE_DSN.
	DSNFile string `yaml:"dsn_file"`
	// DSN is read from DSNFile or DUTYBOT_STORAGE_DSN by ResolveSecrets;
	// never logged.
	DSN string `yaml:"-"`
}

// Postgres reports whether the state lives in PostgreSQL.
func (s Storage) Postgres() bool { return s.Driver == DriverPostgres }

// HA configures a pair (or more) of instances on one PostgreSQL database:
// one runs the engine, the others stand by to take over.
type HA struct {
	// Takeover is how soon a standby takes over after the engine's
	// instance died, hung or lost the database.
	Takeover Duration `yaml:"takeover"`
}

// HTTP configures the API, health and metrics server.
type HTTP struct {
	Listen       string `yaml:"listen"`
	APITokenFile string `yaml:"api_token_file"`
	// APIToken is read from APITokenFile or DUTYBOT_API_TOKEN by ResolveSecrets.
	APIToken string `yaml:"-"`
	// PublicURL is how officials' browsers reach this server (the duty
	// board's links), e.g. https://duty.example.gov.cn; default
	// http://<listen>.
	PublicURL string `yaml:"public_url"`
}

// Board configures the live duty board (/board) on the HTTP server.
type Board struct {
	// LinkTTL is how long a signed link sent by /board can be opened.
	LinkTTL Duration `yaml:"link_ttl"`
	// SessionTTL is how long a browser stays signed in after opening it.
	SessionTTL Duration `yaml:"session_ttl"`
}

// Delivery bounds the outgoing message rate to stay inside Telegram's limits.
type Delivery struct {
	GlobalPerSecond float64 `yaml:"global_per_second"`
	ChatPerSecond   float64 `yaml:"chat_per_second"`
	ChatBurst       int     `yaml:"chat_burst"`
	GroupPerMinute  float64 `yaml:"group_per_minute"`
	// GroupEditInterval is the least time between two edits of a 叫应's
	// live message in a work group: presses in between are shown together
	// by the next edit, so a burst of answers never meets the group limit.
	GroupEditInterval Duration `yaml:"group_edit_interval"`
	RequestTimeout    Duration `yaml:"request_timeout"`
	GiveUpAfter       Duration `yaml:"give_up_after"`
	// Workers is how many messages are on their way to Telegram at once;
	// 0 chooses: 8, or 64 with paid broadcast (1,000 a second only go
	// out with many requests in flight).
	Workers int `yaml:"workers"`
	// PaidBroadcast lifts the overall limit for chosen first calls.
	PaidBroadcast PaidBroadcast `yaml:"paid_broadcast"`
}

// PaidBroadcast sends the first calls of chosen alerts with Telegram's
// allow_paid_broadcast: up to 1,000 messages a second instead of about 30,
// for 0.1 Star a message from the bot's balance. A red warning then reaches
// 10,000 officials in ten seconds instead of six minutes. Off unless Levels
// names a level.
type PaidBroadcast struct {
	// Levels are the alert levels (blue … red) whose first calls may be paid.
	Levels []string `yaml:"levels"`
	// Kinds narrows it to these alert kinds (AlertKinds); empty: every kind.
	Kinds []string `yaml:"kinds"`
	// PerSecond is the paid pace, at most 1,000 (Telegram's ceiling).
	PerSecond float64 `yaml:"per_second"`
	// RetryAfter is how long the bot keeps to the free pace after Telegram
	// refused a paid message for lack of Stars, before it tries again.
	RetryAfter Duration `yaml:"retry_after"`
}

// Enabled reports whether any first call may be paid.
func (p PaidBroadcast) Enabled() bool { return len(p.Levels) > 0 }

// Applies reports whether the first calls of an alert of this level and
// kind are sent paid.
func (p PaidBroadcast) Applies(level, kind string) bool {
	return slices.Contains(p.Levels, level) && (len(p.Kinds) == 0 || slices.Contains(p.Kinds, kind))
}

// StarsPerMessage is what Telegram charges for one message sent with
// allow_paid_broadcast.
const StarsPerMessage = 0.1

// MaxPaidPerSecond is Telegram's ceiling for paid broadcast.
const MaxPaidPerSecond = 1000

// AlertKinds are the kinds of 叫应 alerts, as features raise them: a
// manual /alert or API alert, a weather warning and its 熔断 items, an
// incident report, an overdue tip, hazard or task, a duty check-in and a
// spot check.
var AlertKinds = []string{"alert", "weather", "meltdown", "incident", "tip", "hazard", "task", "checkin", "spotcheck"}

// Unit is a department, office or village (责任单位).
type Unit struct {
	ID     string   `yaml:"id"`
	Name   string   `yaml:"name"`
	Head   string   `yaml:"head"`   // 单位负责人, an official id
	Leader string   `yaml:"leader"` // 分管领导, an official id
	Tags   []string `yaml:"tags"`
}

// Official is a person who receives and answers alerts.
type Official struct {
	ID         string   `yaml:"id"`
	Name       string   `yaml:"name"`
	Phone      string   `yaml:"phone"` // as Parse leaves it: 11 digits (DisplayPhone)
	Unit       string   `yaml:"unit"`
	Roles      []string `yaml:"roles"`
	TelegramID int64    `yaml:"telegram_id"`
	Language   string   `yaml:"language"`
	// Title is the person's 职务 (村委会主任, 网格员…), shown where people
	// are listed; it gives no role.
	Title string `yaml:"title"`
}

// HasRole reports whether o holds any of roles.
func (o Official) HasRole(roles ...string) bool {
	for _, have := range o.Roles {
		for _, want := range roles {
			if have == want {
				return true
			}
		}
	}
	return false
}

// Escalation holds named policies and which policy each alert level uses.
type Escalation struct {
	Policies map[string][]Step `yaml:"policies"`
	Levels   map[string]string `yaml:"levels"`
}

// Step is one escalation step; After counts from the moment the alert was
// delivered to the recipient.
type Step struct {
	After  Duration `yaml:"after"`
	Action string   `yaml:"action"`
	To     string   `yaml:"to"`
}

// Tasks configures the duty plan (the 十五条 task catalogue).
type Tasks struct {
	// Catalogue is a plan file; empty means the plan embedded in the binary.
	Catalogue string `yaml:"catalogue"`
	// DueHour is the hour of the due day by which a report is due.
	DueHour int `yaml:"due_hour"`
	// OverdueLevel is the level of the 叫应 alert raised for unreported
	// items past due (its escalation policy applies); "off" raises none.
	OverdueLevel string `yaml:"overdue_level"`
	// Ongoing is the rhythm at which "ongoing" (常态化) points are asked to
	// be confirmed: monthly, quarterly, half_yearly or yearly; empty (the
	// default) asks nothing: they show in the plan, not as chores.
	Ongoing string `yaml:"ongoing"`
	// SetupWithin is how long after the town starts using the plan its
	// set-up points (建立…制度) fall due.
	SetupWithin Duration `yaml:"setup_within"`
}

// OngoingRhythms lists the values tasks.ongoing takes besides "".
var OngoingRhythms = []string{"monthly", "quarterly", "half_yearly", "yearly"}

// Calendar configures the Chinese working calendar.
type Calendar struct {
	// OverridesFile supplies holidays and make-up workdays (JSON or YAML):
	// whole years in the holiday-cn shape {"year","source","papers","days"}
	// or {"years":[…]}, each replacing the built-in data for its year, or
	// per-date overrides {"days":[{"name","date","isOffDay"}]}; see
	// workcal.ParseFile.
	OverridesFile string `yaml:"overrides_file"`
}

// Cadence is the duty rhythm: reminders fired on a schedule.
type Cadence struct {
	// Grace is how old a firing missed while the bot was down may be and
	// still be sent.
	Grace Duration      `yaml:"grace"`
	Rules []CadenceRule `yaml:"rules"`
}

// CadenceRule reminds an audience of some points of the plan on a schedule.
type CadenceRule struct {
	Name     string   `yaml:"name"`
	Title    string   `yaml:"title"`    // shown in the reminder; empty: the kind's title in the reader's language
	Cron     string   `yaml:"cron"`     // 5 fields, in the configured time zone
	Calendar string   `yaml:"calendar"` // every_day, workdays, first/last_workday_of_month/quarter
	Audience Audience `yaml:"audience"`
	Tasks    []string `yaml:"tasks"` // points ("14.2") or whole tasks ("14")
	Need     string   `yaml:"need"`  // report (buttons to report) or ack (one button to acknowledge)
	// Kind is agenda (each official's own duty of the day), reminder (the
	// default: the listed points), countdown (deadlines Days ahead), brief
	// (the 每日了解掌握 morning brief) or digest (last week's completion).
	Kind string `yaml:"kind"`
	Days []int  `yaml:"days"` // countdown, agenda: days before a deadline
}

// Audience selects officials: any of the roles, in any of the units (unit
// ids or "@tag"), or named. Empty lists do not restrict.
type Audience struct {
	Roles     []string `yaml:"roles"`
	Units     []string `yaml:"units"`
	Officials []string `yaml:"officials"`
}

// Duration is a time.Duration written as "10m" or "2s" in YAML.
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }
