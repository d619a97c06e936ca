package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"

	"dutybot/bot/fakeapi"
	"dutybot/config"
)

// takeoverAPIToken is the bearer token of the instances' alert API.
const takeoverAPIToken = "dutyload-takeover-api-token"

// headUserID is the Telegram id of the generated town's unit head u.
func headUserID(u int) int64 { return 6_000_000 + int64(u) }

// takeoverSteps are the escalation policy of the takeover town: a second
// call one second after the call was delivered, so it falls due while the
// engine has no leader, and the escalation to the unit head when the
// successor has long taken over.
type takeoverSteps struct{ remind, escalate time.Duration }

func stepsFor(takeover time.Duration) takeoverSteps {
	return takeoverSteps{remind: time.Second, escalate: time.Duration(math.Ceil((2 * takeover).Seconds())) * time.Second}
}

// takeoverYAML is the configuration of one instance of the takeover town:
// one staff member (o-0) and the ten unit heads, all pre-bound, on the
// PostgreSQL database of DUTYBOT_STORAGE_DSN. English texts make each
// message's kind plain in the log of sends.
func takeoverYAML(apiURL, listen string, takeover time.Duration, s takeoverSteps) string {
	steps := fmt.Sprintf("      - {after: %s, action: remind}\n      - {after: %s, action: escalate, to: unit_head}\n", s.remind, s.escalate)
	return townConfig(1, apiURL, listen, steps, townSpec{lang: "en", poll: "2s", headsBound: true,
		storageYAML: fmt.Sprintf("storage:\n  driver: postgres\nha:\n  takeover: %s\n", takeover)})
}

// instance is one `dutybot run` process of the pair.
type instance struct {
	name, bin, cfgPath, listen, logPath string
	env                                 []string
	cmd                                 *exec.Cmd
}

// start runs the process, its output appended to its log.
func (in *instance) start() error {
	log, err := os.OpenFile(in.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	cmd := exec.Command(in.bin, "run", "-config", in.cfgPath)
	cmd.Env = in.env
	cmd.Stdout, cmd.Stderr = log, log
	// Should dutyload die, the process goes with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		log.Close()
		return fmt.Errorf("start %s: %w", in.name, err)
	}
	log.Close()
	in.cmd = cmd
	return nil
}

// kill sends SIGKILL, reaps the process and returns when the signal was sent.
func (in *instance) kill() time.Time {
	if in.cmd == nil {
		return time.Now()
	}
	_ = in.cmd.Process.Kill()
	at := time.Now()
	_ = in.cmd.Wait()
	in.cmd = nil
	return at
}

// stop ends the process with SIGTERM, or SIGKILL after 10 s.
func (in *instance) stop() {
	if in.cmd == nil {
		return
	}
	_ = in.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = in.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = in.cmd.Process.Kill()
		<-done
	}
	in.cmd = nil
}

var healthClient = &http.Client{Timeout: 500 * time.Millisecond}

// role asks the instance's /healthz for its role ("" while it does not answer).
func (in *instance) role() string {
	resp, err := healthClient.Get("http://" + in.listen + "/healthz")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var h struct {
		Role string `json:"role"`
	}
	if json.NewDecoder(resp.Body).Decode(&h) != nil {
		return ""
	}
	return h.Role
}

// waitRole polls /healthz every 5 ms until the instance says role.
func (in *instance) waitRole(role string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for in.role() != role {
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not become %s within %s (now %q; see %s)", in.name, role, timeout, in.role(), in.logPath)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil
}

// takeovers reads dutybot_ha_takeovers_total from the instance's /metrics.
func (in *instance) takeovers() (float64, error) {
	resp, err := healthClient.Get("http://" + in.listen + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(l, "dutybot_ha_takeovers_total "); ok {
			var f float64
			_, err := fmt.Sscan(v, &f)
			return f, err
		}
	}
	return 0, errors.New("no dutybot_ha_takeovers_total in /metrics")
}

// api calls the instance's alert API.
func (in *instance) api(method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, "http://"+in.listen+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+takeoverAPIToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return fmt.Errorf("%s %s on %s: %w", method, path, in.name, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s on %s: %s: %s", method, path, in.name, resp.Status, bytes.TrimSpace(data))
	}
	return json.Unmarshal(data, out)
}

// takeoverRound is what one kill of the leader showed.
type takeoverRound struct {
	// recorded: the leader was killed once the call's delivery was
	// recorded (the second call then falls due during the outage);
	// otherwise right after Telegram accepted the call, before the
	// leader could record it (the successor sends it again).
	recorded            bool
	call                sent
	killedAfter         time.Duration // from the call's acceptance to the kill
	killAt              time.Time
	takeover            time.Duration // from the kill to the other's /healthz saying leader
	resent              bool          // the call went out again from the successor
	remindLate, escLate time.Duration // after the steps' due times
	remindAfterKill     time.Duration
	remindLost, escLost bool
	counted             bool // the successor's dutybot_ha_takeovers_total went up
}

// takeoverLoad runs two dutybot processes on one durable PostgreSQL
// database against a fake Bot API, and kills the leader with SIGKILL right
// after Telegram accepted each call (every other round: right after the
// leader recorded its delivery), rounds times: the time until the
// standby's /healthz says leader, how late the next escalation steps went
// out, and at the end the messages sent twice and the steps never sent.
func takeoverLoad(rounds int, takeover time.Duration, bin, dsn string) error {
	if takeover < time.Second {
		return fmt.Errorf("-takeover %s: ha.takeover must be a second or more", takeover)
	}
	b, err := openBackend(config.DriverPostgres, dsn)
	if err != nil {
		return err
	}
	defer b.close()
	dir, err := os.MkdirTemp("", "dutyload-takeover")
	if err != nil {
		return err
	}
	keepLogs := false
	defer func() {
		if !keepLogs {
			os.RemoveAll(dir)
		}
	}()
	if bin == "" {
		if bin, err = buildDutybot(dir); err != nil {
			return err
		}
	}
	dbDSN, drop, err := b.database("takeover")
	if err != nil {
		return err
	}
	defer drop()

	tg := fakeapi.New(fakeapi.Options{Token: token})
	defer tg.Close()
	tg.AddUser(fakeapi.User{ID: userID(0), FirstName: "staff"})
	for u := range townUnits {
		tg.AddUser(fakeapi.User{ID: headUserID(u), FirstName: "head" + fmt.Sprint(u)})
	}
	log, err := newSendLog(tg.URL())
	if err != nil {
		return err
	}
	defer log.Close()

	steps := stepsFor(takeover)
	env := append(childEnv(dbDSN), "DUTYBOT_API_TOKEN="+takeoverAPIToken)
	var pair [2]*instance
	for i, name := range []string{"A", "B"} {
		listen, err := freeAddr()
		if err != nil {
			return err
		}
		cfgPath := filepath.Join(dir, "config-"+name+".yaml")
		if err := os.WriteFile(cfgPath, []byte(takeoverYAML(log.URL(), listen, takeover, steps)), 0o600); err != nil {
			return err
		}
		pair[i] = &instance{name: name, bin: bin, cfgPath: cfgPath, listen: listen,
			logPath: filepath.Join(dir, "dutybot-"+name+".log"), env: env}
	}
	defer func() {
		for _, in := range pair {
			in.stop()
		}
	}()
	fail := func(err error) error {
		keepLogs = true
		return fmt.Errorf("%w (the instances' logs stay in %s)", err, dir)
	}
	if err := pair[0].start(); err != nil {
		return err
	}
	if err := pair[0].waitRole("leader", 60*time.Second); err != nil {
		return fail(err)
	}
	if err := pair[1].start(); err != nil {
		return err
	}
	if err := pair[1].waitRole("standby", 60*time.Second); err != nil {
		return fail(err)
	}
	fmt.Printf("takeover: instances A and B (%s) on one durable PostgreSQL database, ha.takeover %s; policy: second call %s, escalation to the unit head %s after delivery; kill -9 the leader right after Telegram accepted each call (odd rounds) or once its delivery was recorded (even rounds)\n",
		bin, takeover, steps.remind, steps.escalate)

	var res []takeoverRound
	for r := 0; r < rounds; r++ {
		tr, err := takeoverRoundRun(r+1, r%2 == 1, &pair, log, takeover, steps)
		if err != nil {
			return fail(fmt.Errorf("round %d: %w", r+1, err))
		}
		res = append(res, tr)
		late := func(lost bool, d time.Duration) string {
			if lost {
				return "NEVER SENT"
			}
			return d.Round(time.Millisecond).String()
		}
		when := "accepted"
		if tr.recorded {
			when = "recorded"
		}
		fmt.Printf("round %2d: killed %s after the call was accepted (kill once %s); successor leader after %s (metric counted: %t); call sent again: %t; second call late %s (%s after the kill), escalation late %s\n",
			r+1, tr.killedAfter.Round(10*time.Microsecond), when, tr.takeover.Round(time.Millisecond), tr.counted, tr.resent,
			late(tr.remindLost, tr.remindLate), tr.remindAfterKill.Round(time.Millisecond), late(tr.escLost, tr.escLate))
	}
	// Anything still on its way out is sent by now.
	time.Sleep(takeover)
	return takeoverReport(res, log.messages(), takeover)
}

// takeoverRoundRun creates an alert on the leader, kills the leader as
// soon as its call is accepted (recorded: once the call's delivery is
// recorded), and follows the successor.
func takeoverRoundRun(round int, recorded bool, pair *[2]*instance, log *sendLog, takeover time.Duration, steps takeoverSteps) (takeoverRound, error) {
	tr := takeoverRound{recorded: recorded}
	var leader, standby *instance
	if err := waitFor(4*takeover+10*time.Second, "one leader and one standby", func() bool {
		r0, r1 := pair[0].role(), pair[1].role()
		switch {
		case r0 == "leader" && r1 == "standby":
			leader, standby = pair[0], pair[1]
		case r1 == "leader" && r0 == "standby":
			leader, standby = pair[1], pair[0]
		default:
			return false
		}
		return true
	}); err != nil {
		return tr, err
	}
	from := len(log.messages())
	var created struct {
		ID string `json:"id"`
	}
	req := map[string]any{"level": "red", "title": fmt.Sprintf("takeover round %d", round),
		"targets": map[string]any{"officials": []string{"o-0"}}}
	if err := leader.api("POST", "/api/v1/alerts", req, &created); err != nil {
		return tr, err
	}
	of := alertMatcher(created.ID)
	call, ok := log.wait(from, 30*time.Second, func(s sent) bool {
		return s.chat == userID(0) && of(s) && strings.Contains(s.text, "📣")
	})
	if !ok {
		return tr, fmt.Errorf("the call of alert %s was not sent within 30 s", created.ID)
	}
	tr.call = call
	if recorded {
		if err := waitFor(10*time.Second, "the call's delivery recorded", func() bool {
			at, err := sentAt(standby, created.ID)
			return err == nil && !at.IsZero()
		}); err != nil {
			return tr, err
		}
	}
	tr.killAt = leader.kill()
	tr.killedAfter = tr.killAt.Sub(call.at)
	for standby.role() != "leader" {
		if time.Since(tr.killAt) > 4*takeover+10*time.Second {
			return tr, fmt.Errorf("%s did not take over within %s of the kill", standby.name, 4*takeover+10*time.Second)
		}
		time.Sleep(5 * time.Millisecond)
	}
	tr.takeover = time.Since(tr.killAt)
	if n, err := standby.takeovers(); err == nil && n >= 1 {
		tr.counted = true
	}

	// The steps: the second call to the staff member, the escalation
	// notice to the unit head.
	wait := steps.escalate + 4*takeover + 10*time.Second
	remind, remindOK := log.wait(from, wait, func(s sent) bool {
		return s.chat == userID(0) && of(s) && strings.Contains(s.text, "Second call")
	})
	esc, escOK := log.wait(from, wait, func(s sent) bool {
		return s.chat == headUserID(0) && of(s) && strings.Contains(s.text, "Escalation")
	})
	tr.remindLost, tr.escLost = !remindOK, !escOK
	for _, s := range log.messages()[from:] {
		if s.chat == call.chat && s.text == call.text && s.at.After(tr.killAt) {
			tr.resent = true
		}
	}
	// The steps are due from the delivery the database recorded (the
	// successor's, when it sent the call again).
	delivered, err := sentAt(standby, created.ID)
	if err != nil {
		return tr, err
	}
	if delivered.IsZero() {
		return tr, fmt.Errorf("alert %s: no delivery recorded", created.ID)
	}
	if remindOK {
		tr.remindLate = remind.at.Sub(delivered.Add(steps.remind))
		tr.remindAfterKill = remind.at.Sub(tr.killAt)
	}
	if escOK {
		tr.escLate = esc.at.Sub(delivered.Add(steps.escalate))
	}
	// The killed instance comes back as the standby.
	if err := leader.start(); err != nil {
		return tr, err
	}
	if err := leader.waitRole("standby", 60*time.Second); err != nil {
		return tr, err
	}
	return tr, nil
}

// sentAt asks the instance's API when the call of alert id (to its one
// recipient) was delivered, as recorded; zero while it is not.
func sentAt(in *instance, id string) (time.Time, error) {
	var alert struct {
		Recipients []struct {
			SentAt *time.Time `json:"sent_at"`
		} `json:"recipients"`
	}
	if err := in.api("GET", "/api/v1/alerts/"+id, nil, &alert); err != nil {
		return time.Time{}, err
	}
	if len(alert.Recipients) != 1 {
		return time.Time{}, fmt.Errorf("alert %s has %d recipients, want 1", id, len(alert.Recipients))
	}
	if alert.Recipients[0].SentAt == nil {
		return time.Time{}, nil
	}
	return *alert.Recipients[0].SentAt, nil
}

// alertMatcher matches the messages naming alert id ("#id", not a longer id).
func alertMatcher(id string) func(sent) bool {
	re := regexp.MustCompile(`#` + regexp.QuoteMeta(id) + `(?:[^0-9A-Za-z]|$)`)
	return func(s sent) bool { return re.MatchString(s.text) }
}

// resendWindow is how long before a kill a message Telegram accepted may
// still be unrecorded, and so be sent once more by the successor: the
// documented window.
const resendWindow = time.Second

// takeoverReport prints the takeover times, the step lateness, the
// messages sent more than once (those accepted right before a kill and not
// yet recorded apart) and the steps never sent.
func takeoverReport(res []takeoverRound, msgs []sent, takeover time.Duration) error {
	if len(res) == 0 {
		return nil
	}
	var times, esc []time.Duration
	remind := map[bool][]time.Duration{} // by takeoverRound.recorded
	rounds := map[bool]int{}
	lost, counted, resent := 0, 0, 0
	for _, r := range res {
		times = append(times, r.takeover)
		rounds[r.recorded]++
		if r.remindLost {
			lost++
		} else {
			remind[r.recorded] = append(remind[r.recorded], r.remindLate)
		}
		if r.escLost {
			lost++
		} else {
			esc = append(esc, r.escLate)
		}
		if r.counted {
			counted++
		}
		if r.resent {
			resent++
		}
	}
	type key struct {
		chat int64
		text string
	}
	copies := map[key][]sent{}
	var order []key
	for _, m := range msgs {
		k := key{m.chat, m.text}
		if copies[k] == nil {
			order = append(order, k)
		}
		copies[k] = append(copies[k], m)
	}
	// A second copy is the documented window's when the first was
	// accepted right before a kill, unless it was a call whose delivery
	// the round saw recorded before the kill.
	inWindow := func(first, second sent) bool {
		return slices.ContainsFunc(res, func(r takeoverRound) bool {
			recorded := r.recorded && first == r.call
			return !recorded && !first.at.After(r.killAt) && r.killAt.Sub(first.at) < resendWindow && second.at.After(r.killAt)
		})
	}
	window, dups := 0, 0
	for _, k := range order {
		c := copies[k]
		switch {
		case len(c) < 2:
			continue
		case len(c) == 2 && inWindow(c[0], c[1]):
			window++
			continue
		}
		dups += len(c) - 1
		fmt.Printf("  sent %d times to chat %d: %q\n", len(c), k.chat, firstLine(k.text))
	}
	fmt.Printf("\ntakeover over %d kills of the leader (ha.takeover %s): median %s, max %s from the kill until the standby's /healthz said leader; dutybot_ha_takeovers_total rose on the successor in %d of %d\n",
		len(res), takeover, median(times).Round(time.Millisecond), slices.Max(times).Round(time.Millisecond), counted, len(res))
	steps := stepsFor(takeover)
	for _, recorded := range []bool{false, true} {
		if len(remind[recorded]) == 0 {
			continue
		}
		what := "killed right after Telegram accepted the call (the successor sends it again, the second call counts from then)"
		if recorded {
			what = "killed once the call's delivery was recorded (the second call falls due during the outage)"
		}
		fmt.Printf("second call, due %s after delivery, %d round(s) %s: late median %s, max %s\n",
			steps.remind, rounds[recorded], what, median(remind[recorded]).Round(time.Millisecond), slices.Max(remind[recorded]).Round(time.Millisecond))
	}
	if len(esc) > 0 {
		fmt.Printf("escalation to the unit head, due %s after delivery: late median %s, max %s\n",
			steps.escalate, median(esc).Round(time.Millisecond), slices.Max(esc).Round(time.Millisecond))
	}
	fmt.Printf("messages: %d sent; duplicates: %d; sent once more in the documented window (accepted < %s before a kill, not yet recorded): %d (calls sent again in %d of %d rounds); escalation steps never sent: %d of %d\n",
		len(msgs), dups, resendWindow, window, resent, len(res), lost, 2*len(res))
	return nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// freeAddr returns a loopback address with a port free now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// buildDutybot builds cmd/dutybot of the repository around the working
// directory into dir.
func buildDutybot(dir string) (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("find the repository (go env GOMOD): %w; give the binary with -bin", err)
	}
	gomod := strings.TrimSpace(string(out))
	mod, err := os.ReadFile(gomod)
	if gomod == "" || gomod == os.DevNull || err != nil || !bytes.HasPrefix(mod, []byte("module dutybot\n")) {
		return "", errors.New("run from the dutybot repository, or give the binary with -bin")
	}
	bin := filepath.Join(dir, "dutybot")
	start := time.Now()
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/dutybot")
	cmd.Dir = filepath.Dir(gomod)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/dutybot: %w: %s", err, out)
	}
	fmt.Fprintf(os.Stderr, "dutyload: built %s in %s\n", bin, time.Since(start).Round(time.Millisecond))
	return bin, nil
}
