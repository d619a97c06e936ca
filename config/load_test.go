package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// base is a small valid configuration; test cases edit it.
const base = `
units:
  - id: u1
    name: Unit One
    head: o-a
    leader: o-b
    tags: [yigang]
  - id: u2
    name: Unit Two
officials:
  - id: o-a
    name: A
    phone: "13800000001"
    unit: u1
    roles: [unit_head, admin]
  - id: o-b
    name: B
    phone: "13800000002"
    unit: u2
    roles: [leader]
    telegram_id: 100
`

// escalationBlock is a valid escalation section appended by some cases.
const escalationBlock = `
escalation:
  policies:
    default:
      - after: 10m
        action: remind
      - after: 20m
        action: escalate
        to: unit_head
  levels:
    blue: default
    yellow: default
    orange: default
    red: default
`

// edit returns base with each old→new replacement applied, failing the test
// if an old string is not found.
func edit(t *testing.T, doc string, pairs ...string) string {
	t.Helper()
	for i := 0; i+1 < len(pairs); i += 2 {
		if !strings.Contains(doc, pairs[i]) {
			t.Fatalf("edit: %q not found in document", pairs[i])
		}
		doc = strings.Replace(doc, pairs[i], pairs[i+1], 1)
	}
	return doc
}

// problems splits a Parse error into its individual messages.
func problems(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var list Errors
	if !errors.As(err, &list) {
		return []string{err.Error()}
	}
	out := make([]string, len(list))
	for i, e := range list {
		out[i] = e.Error()
	}
	return out
}

// wantProblems checks that err holds exactly len(want) problems and that
// each want is a substring of one of them.
func wantProblems(t *testing.T, err error, want ...string) {
	t.Helper()
	got := problems(t, err)
	if len(got) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for _, w := range want {
		if !slices.ContainsFunc(got, func(g string) bool { return strings.Contains(g, w) }) {
			t.Errorf("no problem contains %q; got:\n%s", w, strings.Join(got, "\n"))
		}
	}
}

func TestParseBaseIsValid(t *testing.T) {
	if _, err := Parse([]byte(base)); err != nil {
		t.Fatalf("base: %v", err)
	}
	if _, err := Parse([]byte(base + escalationBlock)); err != nil {
		t.Fatalf("base+escalation: %v", err)
	}
}

func TestLoadExample(t *testing.T) {
	cfg, err := Load("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	wantUnits := []string{"yjb", "dzb", "awb", "jw", "jfb", "nb", "gjb", "ssb", "nfzx", "cgdd", "pab", "scjgs", "wfzx", "v-hangu", "v-bailin", "c-zhaishan"}
	for _, id := range wantUnits {
		if _, ok := cfg.Unit(id); !ok {
			t.Errorf("unit %q missing from example", id)
		}
	}
	for _, id := range []string{"yjb", "dzb", "cgdd", "v-hangu"} {
		if u, _ := cfg.Unit(id); u.Head == "" {
			t.Errorf("unit %q has no head in example", id)
		}
	}
	roleCount := map[string]int{RolePrincipal: 1, RoleLeader: 2, RoleDutyLeader: 1, RoleAdmin: 1}
	for role, n := range roleCount {
		if got := len(cfg.OfficialsWithRole(role)); got != n {
			t.Errorf("example has %d officials with role %s, want %d", got, role, n)
		}
	}
	if got := len(cfg.OfficialsWithRole(RoleStaff)); got == 0 {
		t.Error("example has no staff")
	}
	if got := cfg.Policy("red"); len(got) != 4 || got[0].After.D() != 2*time.Minute || got[3].To != ToPrincipal {
		t.Errorf("example red policy = %v", got)
	}
	if got := cfg.Escalation.Levels["blue"]; got != DefaultPolicy {
		t.Errorf("example blue policy = %q", got)
	}
}

// TestExampleDocumentsEveryKey checks that config.example.yaml is the
// reference for every option: each key the Config type accepts appears in it.
func TestExampleDocumentsEveryKey(t *testing.T) {
	data, err := os.ReadFile("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	present := map[string]bool{}
	var collect func(n *yaml.Node, path string)
	collect = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				p := join(path, n.Content[i].Value)
				if path == "escalation.policies" || path == "escalation.levels" || path == "weather.levels" || path == "weather.meltdown.triggers" {
					p = join(path, "*")
				}
				present[p] = true
				collect(n.Content[i+1], p)
			}
		case yaml.SequenceNode:
			for _, c := range n.Content {
				collect(c, path+"[]")
			}
		}
	}
	collect(doc.Content[0], "")

	var want []string
	var walk func(t reflect.Type, path string)
	walk = func(t reflect.Type, path string) {
		switch t.Kind() {
		case reflect.Struct:
			if reflect.PointerTo(t).Implements(reflect.TypeFor[yaml.Unmarshaler]()) {
				return
			}
			for key, ft := range structFields(t) {
				want = append(want, join(path, key))
				walk(ft, join(path, key))
			}
		case reflect.Slice:
			walk(t.Elem(), path+"[]")
		case reflect.Map:
			want = append(want, join(path, "*"))
			walk(t.Elem(), join(path, "*"))
		}
	}
	walk(reflect.TypeFor[Config](), "")
	for _, k := range want {
		if !present[k] {
			t.Errorf("config.example.yaml does not show key %s", k)
		}
	}
	if len(want) < 30 {
		t.Fatalf("only %d keys derived from Config; the walk is broken", len(want))
	}
}

func TestDefaults(t *testing.T) {
	cfg, err := Parse([]byte(base))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"timezone", cfg.Timezone, "Asia/Shanghai"},
		{"location", cfg.Location.String(), "Asia/Shanghai"},
		{"language", cfg.Language, "zh-CN"},
		{"telegram.api_url", cfg.Telegram.APIURL, "https://api.telegram.org"},
		{"telegram.poll_timeout", cfg.Telegram.PollTimeout.D(), 30 * time.Second},
		{"storage.path", cfg.Storage.Path, "./data/dutybot.db"},
		{"http.listen", cfg.HTTP.Listen, "127.0.0.1:8080"},
		{"delivery.global_per_second", cfg.Delivery.GlobalPerSecond, 30.0},
		{"delivery.chat_per_second", cfg.Delivery.ChatPerSecond, 1.0},
		{"delivery.chat_burst", cfg.Delivery.ChatBurst, 3},
		{"delivery.group_per_minute", cfg.Delivery.GroupPerMinute, 20.0},
		{"delivery.group_edit_interval", cfg.Delivery.GroupEditInterval.D(), 3 * time.Second},
		{"delivery.request_timeout", cfg.Delivery.RequestTimeout.D(), 15 * time.Second},
		{"delivery.give_up_after", cfg.Delivery.GiveUpAfter.D(), 10 * time.Minute},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	wantSteps := []Step{
		{Duration(10 * time.Minute), ActionRemind, ""},
		{Duration(20 * time.Minute), ActionEscalate, ToUnitHead},
		{Duration(30 * time.Minute), ActionEscalate, ToLeader},
		{Duration(45 * time.Minute), ActionEscalate, ToPrincipal},
	}
	for _, level := range Levels {
		if got := cfg.Escalation.Levels[level]; got != "default" {
			t.Errorf("escalation.levels.%s = %q, want default", level, got)
		}
		if got := cfg.Policy(level); !slices.Equal(got, wantSteps) {
			t.Errorf("Policy(%s) = %v, want %v", level, got, wantSteps)
		}
	}
	if len(cfg.Escalation.Policies) != 1 {
		t.Errorf("default escalation has %d policies, want 1", len(cfg.Escalation.Policies))
	}
}

func TestExplicitValuesOverrideDefaults(t *testing.T) {
	doc := base + `
timezone: UTC
language: en
telegram:
  api_url: http://localhost:8081
  poll_timeout: 5s
storage:
  path: /var/lib/dutybot/db
http:
  listen: ":9090"
delivery:
  global_per_second: 10
  chat_per_second: 0.5
  chat_burst: 1
  group_per_minute: 5
  group_edit_interval: 5s
  request_timeout: 1h30m
  give_up_after: 2s
  workers: 100
  paid_broadcast: {levels: [red, orange], kinds: [weather], per_second: 500, retry_after: 1m}
` + escalationBlock
	cfg, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Timezone != "UTC" || cfg.Location != time.UTC || cfg.Language != "en" ||
		cfg.Telegram.APIURL != "http://localhost:8081" || cfg.Telegram.PollTimeout.D() != 5*time.Second ||
		cfg.Storage.Path != "/var/lib/dutybot/db" || cfg.HTTP.Listen != ":9090" ||
		!reflect.DeepEqual(cfg.Delivery, Delivery{10, 0.5, 1, 5, Duration(5 * time.Second), Duration(90 * time.Minute), Duration(2 * time.Second),
			100, PaidBroadcast{[]string{"red", "orange"}, []string{"weather"}, 500, Duration(time.Minute)}}) {
		t.Errorf("explicit values not applied: %+v", cfg)
	}
	if got := cfg.Policy("red"); len(got) != 2 {
		t.Errorf("explicit escalation replaced by default: %v", got)
	}
}

func TestValidationRules(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		want []string
	}{
		// top level
		{"timezone unknown", base + "timezone: Mars/Olympus\n",
			[]string{`timezone: "Mars/Olympus" cannot be loaded`}},
		{"timezone empty", base + `timezone: ""` + "\n",
			[]string{`timezone: "" is empty`}},
		{"language", base + "language: fr\n",
			[]string{`language: "fr" is not supported; use zh-CN or en`}},

		// telegram, storage, http
		{"api_url trailing slash", base + "telegram: {api_url: \"https://api.telegram.org/\"}\n",
			[]string{`telegram.api_url: "https://api.telegram.org/" must not end with "/"`}},
		{"api_url relative", base + "telegram: {api_url: api.telegram.org}\n",
			[]string{`telegram.api_url: "api.telegram.org" must be an absolute http:// or https:// URL`}},
		{"api_url scheme", base + "telegram: {api_url: \"ftp://x.org\"}\n",
			[]string{`telegram.api_url: "ftp://x.org" must be an absolute http:// or https:// URL`}},
		{"api_url empty", base + "telegram: {api_url: \"\"}\n",
			[]string{`telegram.api_url: "" is empty`}},
		{"poll_timeout zero", base + "telegram: {poll_timeout: 0s}\n",
			[]string{`telegram.poll_timeout: "0s" is too short`}},
		{"storage path", base + "storage: {path: \"\"}\n",
			[]string{`storage.path: "" is empty`}},
		{"storage driver", base + "storage: {driver: sqlite}\n",
			[]string{`storage.driver: "sqlite" is not a storage driver: use "bbolt" (one file, the default) or "postgres" (a shared database)`}},
		{"ha takeover", base + "storage: {driver: postgres}\nha: {takeover: 500ms}\n",
			[]string{`ha.takeover: 500ms is too short`}},
		{"listen no port", base + "http: {listen: \"8080\"}\n",
			[]string{`http.listen: "8080" is not host:port (e.g. 127.0.0.1:8080): missing port in address`}},
		{"listen empty port", base + "http: {listen: \"localhost:\"}\n",
			[]string{`http.listen: "localhost:" has no port`}},

		// delivery
		{"delivery all zero", base + `
delivery:
  global_per_second: 0
  chat_per_second: -1
  chat_burst: 0
  group_per_minute: 0
  request_timeout: 0s
  give_up_after: 0s
`, []string{
			`delivery.global_per_second: 0 must be greater than 0`,
			`delivery.chat_per_second: -1 must be greater than 0`,
			`delivery.chat_burst: 0 must be greater than 0`,
			`delivery.group_per_minute: 0 must be greater than 0`,
			`delivery.request_timeout: "0s" must be greater than 0`,
			`delivery.give_up_after: "0s" must be greater than 0`,
		}},

		// units
		{"unit id empty", edit(t, base, "id: u2\n", "id: \"\"\n"),
			[]string{`units[1].id: "" is empty`, `officials[1].unit: unit "u2" is not defined`}},
		{"unit id charset", edit(t, base, "id: u2\n", "id: U2\n"),
			[]string{`units[1].id: "U2" may contain only a-z, 0-9, _ and -`, `officials[1].unit: unit "u2" is not defined`}},
		{"unit id non-ascii", edit(t, base, "id: u2\n", "id: 农办\n"),
			[]string{`units[1].id: "农办" may contain only a-z, 0-9, _ and -`, `officials[1].unit: unit "u2" is not defined`}},
		{"unit id too long", edit(t, base, "id: u2\n", "id: abcdefghijklmnopqrstuvwxy\n"),
			[]string{`units[1].id: "abcdefghijklmnopqrstuvwxy" is 25 bytes; at most 24 are allowed`, `officials[1].unit: unit "u2" is not defined`}},
		{"unit id duplicate", edit(t, base, "id: u2\n", "id: u1\n", "unit: u2\n", "unit: u1\n"),
			[]string{`units[1].id: "u1" duplicates units[0]`}},
		{"unit name empty", edit(t, base, "name: Unit Two", "name: \" \""),
			[]string{`units[1].name: " " is empty`}},
		{"unit head undefined", edit(t, base, "head: o-a", "head: o-wu"),
			[]string{`units[0].head: official "o-wu" is not defined`}},
		{"unit leader undefined", edit(t, base, "leader: o-b", "leader: o-x"),
			[]string{`units[0].leader: official "o-x" is not defined`}},
		{"unit tag empty", edit(t, base, "tags: [yigang]", `tags: [yigang, ""]`),
			[]string{`units[0].tags[1]: "" is empty`}},

		// officials
		{"official id charset", edit(t, base, "id: o-b", "id: o.b", "leader: o-b", "leader: o.b"),
			[]string{`officials[1].id: "o.b" may contain only a-z, 0-9, _ and -`}},
		{"official id duplicate", edit(t, base, "id: o-b", "id: o-a", "leader: o-b", "leader: o-a"),
			[]string{`officials[1].id: "o-a" duplicates officials[0]`}},
		{"official name empty", edit(t, base, "name: B\n", "name: \"\"\n"),
			[]string{`officials[1].name: "" is empty`}},
		{"official unit undefined", edit(t, base, "unit: u2", "unit: u9"),
			[]string{`officials[1].unit: unit "u9" is not defined`}},
		{"official unit empty", edit(t, base, "unit: u2", `unit: ""`),
			[]string{`officials[1].unit: "" is empty`}},
		{"phone missing", edit(t, base, `phone: "13800000002"`, ""),
			[]string{`officials[1].phone: "" is empty; a mobile number is required`}},
		{"phone short", edit(t, base, `phone: "13800000002"`, `phone: "1380000"`),
			[]string{`officials[1].phone: "1380000" is not an 11-digit mobile number starting with 1`}},
		{"phone landline", edit(t, base, `phone: "13800000002"`, `phone: "023-6555-1234"`),
			[]string{`officials[1].phone: "023-6555-1234" is not an 11-digit mobile number starting with 1`}},
		{"phone duplicate after normalising", edit(t, base, `phone: "13800000002"`, `phone: "+86 138-0000-0001"`),
			[]string{`officials[1].phone: "+86 138-0000-0001" duplicates officials[0].phone`}},
		{"roles empty", edit(t, base, "roles: [leader]", "roles: []"),
			[]string{`officials[1].roles: none given`}},
		{"role unknown", edit(t, base, "roles: [leader]", "roles: [leader, boss]"),
			[]string{`officials[1].roles[1]: "boss" is not one of staff, unit_head, leader, principal, duty_leader, admin`}},
		{"telegram_id negative", edit(t, base, "telegram_id: 100", "telegram_id: -5"),
			[]string{`officials[1].telegram_id: -5 is negative`}},
		{"telegram_id duplicate", edit(t, base, "roles: [unit_head, admin]", "roles: [unit_head, admin]\n    telegram_id: 100"),
			[]string{`officials[1].telegram_id: 100 duplicates officials[0].telegram_id`}},
		{"official language", edit(t, base, "telegram_id: 100", "telegram_id: 100\n    language: de"),
			[]string{`officials[1].language: "de" is not supported; use zh-CN or en`}},
		{"no admin", edit(t, base, "roles: [unit_head, admin]", "roles: [unit_head]"),
			[]string{`officials: no official has role "admin"; someone must receive operational notices`}},

		// escalation
		{"policy empty", base + edit(t, escalationBlock, "    default:\n", "    fast: []\n    default:\n"),
			[]string{`escalation.policies.fast: no steps`}},
		{"after zero", base + edit(t, escalationBlock, "after: 10m", "after: 0s"),
			[]string{`escalation.policies.default[0].after: "0s" must be greater than 0`}},
		{"after missing", base + edit(t, escalationBlock, "after: 10m\n", ""),
			[]string{`escalation.policies.default[0].after: "0s" must be greater than 0`}},
		{"after not increasing", base + edit(t, escalationBlock, "after: 20m", "after: 10m"),
			[]string{`escalation.policies.default[1].after: "10m0s" must be later than the previous step's "10m0s"`}},
		{"action unknown", base + edit(t, escalationBlock, "action: remind", "action: page"),
			[]string{`escalation.policies.default[0].action: "page" must be remind, escalate, call or sms`}},
		{"escalate without to", base + edit(t, escalationBlock, "        to: unit_head\n", ""),
			[]string{`escalation.policies.default[1].to: "" is required with action escalate`}},
		{"escalate to unknown", base + edit(t, escalationBlock, "to: unit_head", "to: mayor"),
			[]string{`escalation.policies.default[1].to: "mayor" is not one of unit_head, leader, principal, duty_leader`}},
		{"remind with to", base + edit(t, escalationBlock, "action: remind", "action: remind\n        to: leader"),
			[]string{`escalation.policies.default[0].to: "leader" is not allowed with action remind`}},
		{"level missing", base + edit(t, escalationBlock, "    red: default\n", ""),
			[]string{`escalation.levels: "red" is not mapped`}},
		{"level policy undefined", base + edit(t, escalationBlock, "red: default", "red: urgent"),
			[]string{`escalation.levels.red: policy "urgent" is not defined`}},
		{"level extra", base + edit(t, escalationBlock, "red: default", "red: default\n    purple: default"),
			[]string{`escalation.levels.purple: unknown level; use blue, yellow, orange, red`}},
		{"levels without policies", base + "escalation:\n  levels: {blue: default, yellow: default, orange: default, red: default}\n",
			[]string{
				`escalation.levels.blue: policy "default" is not defined`,
				`escalation.levels.yellow: policy "default" is not defined`,
				`escalation.levels.orange: policy "default" is not defined`,
				`escalation.levels.red: policy "default" is not defined`,
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := Parse([]byte(c.doc))
			if cfg != nil {
				t.Errorf("Parse returned a config along with errors")
			}
			wantProblems(t, err, c.want...)
		})
	}
}

func TestSeveralErrorsReportedTogether(t *testing.T) {
	doc := edit(t, base,
		"head: o-a", "head: o-wu",
		`phone: "13800000002"`, `phone: "12345"`,
		"roles: [unit_head, admin]", "roles: [unit_head]",
	) + "language: fr\n"
	_, err := Parse([]byte(doc))
	wantProblems(t, err,
		`language: "fr" is not supported`,
		`units[0].head: official "o-wu" is not defined`,
		`officials[1].phone: "12345" is not an 11-digit mobile number`,
		`officials: no official has role "admin"`,
	)
	// One problem per line, in file order.
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "language:") || !strings.HasPrefix(lines[3], "officials:") {
		t.Errorf("Error() =\n%s", err)
	}
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Path != "language" {
		t.Errorf("errors.As FieldError = %+v", fe)
	}
}

func TestStructuralErrors(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		want []string
	}{
		{"unknown top-level key", base + "tiemzone: UTC\n",
			[]string{`tiemzone: unknown key; did you mean "timezone"?`}},
		{"unknown nested key", base + "telegram:\n  tokn_file: /x\n",
			[]string{`telegram.tokn_file: unknown key; did you mean "token_file"?`}},
		{"unknown key in list item", edit(t, base, "roles: [leader]", "rolse: [leader]"),
			[]string{`officials[1].rolse: unknown key`}},
		{"unknown key in step", base + edit(t, escalationBlock, "action: remind", "acton: remind"),
			[]string{`escalation.policies.default[0].acton: unknown key`}},
		{"unexported field is not a key", base + "location: UTC\n",
			[]string{`location: unknown key`}},
		{"several unknown keys", base + "foo: 1\nstorage:\n  bar: 2\n",
			[]string{`foo: unknown key (line`, `storage.bar: unknown key`}},
		{"duplicate key", base + "language: en\nlanguage: zh-CN\n",
			[]string{`language: duplicate key at line`}},
		{"paid broadcast", base + "delivery: {workers: -1, paid_broadcast: {levels: [red, purple], kinds: [weather, picnic], per_second: 1001, retry_after: 0s}}\n",
			[]string{`delivery.workers: -1 is not from 0 (choose) to 512`,
				`delivery.paid_broadcast.levels[1]: "purple" is not blue, yellow, orange or red`,
				`delivery.paid_broadcast.kinds[1]: "picnic" is not an alert kind`,
				`delivery.paid_broadcast.per_second: 1001 is not above 0 and at most 1000`,
				`delivery.paid_broadcast.retry_after: "0s" must be greater than 0`}},
		{"int expected", base + "delivery: {chat_burst: three}\n",
			[]string{`delivery.chat_burst: "three" is not an integer`}},
		{"float expected", base + "delivery: {chat_per_second: fast}\n",
			[]string{`delivery.chat_per_second: "fast" is not a number`}},
		{"list expected", edit(t, base, "roles: [leader]", "roles: leader"),
			[]string{`officials[1].roles: expected a list, got "leader"`}},
		{"mapping expected", base + "telegram: yes\n",
			[]string{`telegram: expected a mapping of keys, got "yes"`}},
		{"scalar expected", base + "timezone: [UTC]\n",
			[]string{`timezone: expected a single value, got a list`}},
		{"top level not a mapping", "- a\n- b\n",
			[]string{`(top level): expected a mapping of keys, got a list`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.doc))
			wantProblems(t, err, c.want...)
		})
	}
}

func TestParseSyntaxError(t *testing.T) {
	_, err := Parse([]byte("units: [\n"))
	if err == nil || !strings.Contains(err.Error(), "parse yaml") {
		t.Fatalf("err = %v", err)
	}
}

func TestParseEmpty(t *testing.T) {
	_, err := Parse(nil)
	wantProblems(t, err, `officials: no official has role "admin"`)
}

func TestAnchorsAndMergeKeys(t *testing.T) {
	valid := base + `
escalation:
  policies:
    default: &steps
      - &first {after: 10m, action: remind}
      - <<: *first
        after: 20m
    copy: *steps
  levels:
    <<: {blue: default, yellow: default}
    orange: copy
    red: copy
`
	cfg, err := Parse([]byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Policy("red"); len(got) != 2 || got[1].Action != ActionRemind || got[1].After.D() != 20*time.Minute {
		t.Errorf("merged step = %v", got)
	}
	if got := cfg.Escalation.Levels["yellow"]; got != "default" {
		t.Errorf("merged level yellow = %q", got)
	}

	cases := []struct {
		name string
		doc  string
		want []string
	}{
		// The policy is used twice (default and its alias copy): both paths.
		{"unknown key through merge", edit(t, valid, "<<: *first", "<<: {acton: remind}"),
			[]string{`escalation.policies.default[1].acton: unknown key`, `escalation.policies.copy[1].acton: unknown key`}},
		{"extra level through merge", edit(t, valid, "yellow: default}", "yellow: default, purple: copy}"),
			[]string{`escalation.levels.purple: unknown level`}},
		{"anchor on unknown key", base + "x-defaults: &d {action: remind}\n",
			[]string{`x-defaults: unknown key`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.doc))
			wantProblems(t, err, c.want...)
		})
	}
}

func TestDuration(t *testing.T) {
	cases := []struct {
		in      string
		want    time.Duration
		wantErr string
	}{
		{"2s", 2 * time.Second, ""},
		{"10m", 10 * time.Minute, ""},
		{"1h30m", 90 * time.Minute, ""},
		{"0s", 0, ""},
		{"abc", 0, `delivery.give_up_after: "abc" is not a duration (e.g. 10m, 2s)`},
		{"10", 0, `delivery.give_up_after: "10" is not a duration (e.g. 10m, 2s)`},
		{"-1s", 0, `delivery.give_up_after: "-1s" is negative`},
		{"[1s]", 0, `delivery.give_up_after: expected a duration (e.g. 10m, 2s), got a list`},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			var d Delivery
			err := yaml.Unmarshal([]byte("give_up_after: "+c.in), &d)
			if c.wantErr == "" {
				if err != nil || d.GiveUpAfter.D() != c.want {
					t.Fatalf("unmarshal %q = %v, %v; want %v", c.in, d.GiveUpAfter, err, c.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("unmarshal %q: no error", c.in)
			}
			// Through Parse the message carries the key path.
			_, err = Parse([]byte(base + "delivery:\n  give_up_after: " + c.in + "\n"))
			wantProblems(t, err, c.wantErr)
		})
	}
	_, err := Parse([]byte(base + edit(t, escalationBlock, "after: 20m", "after: abc")))
	wantProblems(t, err, `escalation.policies.default[1].after: "abc" is not a duration (e.g. 10m, 2s)`)

	out, err := yaml.Marshal(Step{After: Duration(90 * time.Second), Action: ActionRemind})
	if err != nil || !strings.Contains(string(out), "after: 1m30s") {
		t.Errorf("marshal = %q, %v", out, err)
	}
}

func TestNormalizePhone(t *testing.T) {
	cases := []struct{ in, want string }{
		{"13800000001", "13800000001"},
		{"138 0000 0001", "13800000001"},
		{"138-0000-0001", "13800000001"},
		{"(138) 0000.0001", "13800000001"},
		{"+8613800000001", "13800000001"},
		{"+86 138-0000-0001", "13800000001"},
		{"008613800000001", "13800000001"},
		{"8613800000001", "13800000001"},
		{"（138）0000　0001", "13800000001"},     // full-width parentheses and space
		{"+86 23 6555 1234", "+862365551234"}, // not 11 digits after +86: kept
		{"86123", "86123"},
		{"86-138", "86138"},
		{"+1 555 0100", "+15550100"},
		{"", ""},
	}
	for _, c := range cases {
		if got := NormalizePhone(c.in); got != c.want {
			t.Errorf("NormalizePhone(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestDisplayPhone(t *testing.T) {
	cases := []struct{ in, want string }{
		{"13800000007", "13800000007"},
		{"+86 138 0000 0007", "13800000007"},
		{"138-0000-0007", "13800000007"},
		{"0086 138 0000 0007", "13800000007"},
		{"8613800000007", "13800000007"},
		{" 023-6868 1234 ", "023-6868 1234"}, // a landline stays as typed
		{"12345", "12345"},
		{"", ""},
	}
	for _, c := range cases {
		if got := DisplayPhone(c.in); got != c.want {
			t.Errorf("DisplayPhone(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// Officials' phones, typed in any accepted form, are kept in the form they
// are shown in, and are still found by a contact in another form.
func TestParseKeepsPhonesInOneForm(t *testing.T) {
	doc := edit(t, base, `phone: "13800000001"`, `phone: "+86 138 0000 0001"`, `phone: "13800000002"`, `phone: "138-0000-0002"`)
	cfg, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"13800000001", "13800000002"} {
		if got := cfg.Officials[i].Phone; got != want {
			t.Errorf("officials[%d].phone = %q, want %q", i, got, want)
		}
		o, ok := cfg.OfficialByPhone(NormalizePhone("+86" + want))
		if !ok || o.ID != cfg.Officials[i].ID {
			t.Errorf("OfficialByPhone(+86%s) = %q, %v", want, o.ID, ok)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "missing.yaml"))
	if err == nil || !strings.Contains(err.Error(), "read config ") || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}

	path := filepath.Join(t.TempDir(), "bad.yaml")
	doc := edit(t, base, "head: o-a", "head: o-wu") + "language: fr\n"
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Load(path)
	if err == nil || !strings.HasPrefix(err.Error(), "config "+path+": 2 problems:\n") {
		t.Fatalf("bad file: %v", err)
	}
	var list Errors
	if !errors.As(err, &list) || len(list) != 2 {
		t.Errorf("errors.As Errors = %v", list)
	}
}

func TestResolveSecrets(t *testing.T) {
	const token = "123456:AAAA-secret-token"
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tokenFile := write("token", "\n  "+token+"\n")
	apiFile := write("api", "api-secret\n")
	emptyFile := write("empty", " \n")
	twoWords := write("two", token+" "+token+"\n")
	missing := filepath.Join(dir, "nope")

	env := func(m map[string]string) func(string) string {
		return func(k string) string { return m[k] }
	}
	cases := []struct {
		name         string
		tokenFile    string
		apiFile      string
		env          map[string]string
		wantToken    string
		wantAPIToken string
		wantErr      []string
	}{
		{name: "files", tokenFile: tokenFile, apiFile: apiFile,
			env:       map[string]string{EnvTelegramToken: "env-token", EnvAPIToken: "env-api"},
			wantToken: token, wantAPIToken: "api-secret"},
		{name: "env", env: map[string]string{EnvTelegramToken: " 42:env-token\n", EnvAPIToken: "env-api"},
			wantToken: "42:env-token", wantAPIToken: "env-api"},
		{name: "api token optional", env: map[string]string{EnvTelegramToken: "42:env-token"},
			wantToken: "42:env-token"},
		{name: "malformed token in the environment", env: map[string]string{EnvTelegramToken: "abc"},
			wantErr: []string{`telegram.token_file: the token in DUTYBOT_TELEGRAM_TOKEN is not a bot token`}},
		{name: "malformed token in a file", tokenFile: apiFile,
			wantErr: []string{`telegram.token_file: the token in "` + apiFile + `" is not a bot token`}},
		{name: "telegram token missing",
			wantErr: []string{`telegram.token_file: empty and DUTYBOT_TELEGRAM_TOKEN is not set`}},
		{name: "unreadable files", tokenFile: missing, apiFile: missing,
			env: map[string]string{EnvTelegramToken: token, EnvAPIToken: token},
			wantErr: []string{
				`telegram.token_file: cannot read "` + missing + `": no such file or directory`,
				`http.api_token_file: cannot read "` + missing + `": no such file or directory`,
			}},
		{name: "directory", tokenFile: dir, env: map[string]string{EnvTelegramToken: token},
			wantErr: []string{`telegram.token_file: cannot read "` + dir + `": is a directory`}},
		{name: "empty file", tokenFile: emptyFile, apiFile: emptyFile,
			wantErr: []string{
				`telegram.token_file: "` + emptyFile + `" is empty`,
				`http.api_token_file: "` + emptyFile + `" is empty`,
			}},
		{name: "file with two words", tokenFile: twoWords,
			wantErr: []string{`telegram.token_file: "` + twoWords + `" holds more than one word`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := &Config{
				Telegram: Telegram{TokenFile: c.tokenFile},
				HTTP:     HTTP{APITokenFile: c.apiFile},
			}
			err := cfg.ResolveSecrets(env(c.env))
			wantProblems(t, err, c.wantErr...)
			if err != nil && (strings.Contains(err.Error(), "AAAA") || strings.Contains(err.Error(), "api-secret")) {
				t.Errorf("error reveals a secret: %v", err)
			}
			if c.wantErr == nil && (cfg.Telegram.Token != c.wantToken || cfg.HTTP.APIToken != c.wantAPIToken) {
				t.Errorf("tokens = %q, %q; want %q, %q", cfg.Telegram.Token, cfg.HTTP.APIToken, c.wantToken, c.wantAPIToken)
			}
		})
	}
}

func TestResolveSecretsPermissionDenied(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root can read any file")
	}
	p := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(p, []byte("123456:top-secret"), 0o000); err != nil {
		t.Fatal(err)
	}
	cfg := &Config{Telegram: Telegram{TokenFile: p}}
	err := cfg.ResolveSecrets(func(string) string { return "" })
	wantProblems(t, err, `telegram.token_file: cannot read "`+p+`": permission denied`)
	if strings.Contains(err.Error(), "top-secret") {
		t.Errorf("error reveals the token: %v", err)
	}
}

// The PostgreSQL connection string comes from storage.dsn_file or
// DUTYBOT_STORAGE_DSN, only with storage.driver postgres, and no error
// ever quotes it.
func TestResolveStorageDSN(t *testing.T) {
	const dsn = "postgres://dutybot:s3cret-pw@10.0.0.5:5432/dutybot"
	dir := t.TempDir()
	file := filepath.Join(dir, "dsn")
	if err := os.WriteFile(file, []byte("\n"+dsn+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == EnvStorageDSN {
				return v
			}
			return ""
		}
	}
	cases := []struct {
		name, driver, file, env, want, err string
	}{
		{"bbolt needs none", DriverBolt, "", "", "", ""},
		{"bbolt ignores the variable", DriverBolt, "", dsn, "", ""},
		{"file", DriverPostgres, file, "", dsn, ""},
		{"variable", DriverPostgres, "", dsn, dsn, ""},
		{"file wins", DriverPostgres, file, "other", dsn, ""},
		{"neither", DriverPostgres, "", "", "", "storage.dsn_file: empty and DUTYBOT_STORAGE_DSN is not set"},
		{"empty file", DriverPostgres, empty, "", "", `storage.dsn_file: "` + empty + `" is empty`},
		{"missing file", DriverPostgres, filepath.Join(dir, "nope"), "", "", "storage.dsn_file: cannot read"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := &Config{Storage: Storage{Driver: tc.driver, DSNFile: tc.file}}
			err := c.ResolveStorage(env(tc.env))
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("err = %v, want %q", err, tc.err)
			}
			if err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Errorf("the error quotes the password: %v", err)
			}
			if c.Storage.DSN != tc.want {
				t.Errorf("DSN = %q, want %q", c.Storage.DSN, tc.want)
			}
		})
	}
}
