package ledger

import (
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"dutybot/callout"
	"dutybot/storage"
)

// ErrUnknownAlert is returned by Story for an alert id not in the log.
var ErrUnknownAlert = errors.New("no such alert")

// Story tells one alert's full story for `dutybot ledger show`: the alert,
// every event of it in order with its chain position, and where each
// recipient stands. Incidents and tips, whose events carry their id as the
// alert, are told from their events alone.
func (l *Ledger) Story(id string) (string, error) {
	var a callout.Alert
	var haveAlert bool
	var rs []callout.Recipient
	var evs []storage.Event
	err := l.db.View(func(tx *storage.Tx) error {
		var err error
		a, err = callout.LoadAlert(tx, id)
		switch {
		case err == nil:
			haveAlert = true
			if rs, err = callout.Recipients(tx, id); err != nil {
				return err
			}
		case !errors.Is(err, storage.ErrNotFound):
			return err
		}
		evs, err = tx.AlertEvents(id)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("read alert %s: %w", id, err)
	}
	if !haveAlert && len(evs) == 0 {
		return "", fmt.Errorf("%w: %q", ErrUnknownAlert, id)
	}
	var sb strings.Builder
	if haveAlert {
		fmt.Fprintf(&sb, "%s %s %s「%s」\n", a.ID, l.levelLabel(a.Level), l.kindLabel(a.Kind), a.TitleIn(l.Lang))
		issuer := a.Issuer
		if issuer == "" {
			issuer = a.Source
		}
		closedBy := ""
		if a.ClosedBy != "" {
			closedBy = l.name(a.ClosedBy)
		}
		closed := ""
		if !a.ClosedAt.IsZero() {
			closed = l.local(a.ClosedAt)
		}
		sb.WriteString(l.t("LedgerStoryAlert", "Created", l.local(a.CreatedAt), "Issuer", l.name(issuer),
			"Source", l.wordOr("LedgerSource_", a.Source), "Total", a.Total, "State", l.wordOr("LedgerAlertState_", a.State),
			"Closed", closed, "ClosedBy", closedBy) + "\n")
		if a.Body != "" {
			for _, line := range strings.Split(strings.TrimSpace(a.Body), "\n") {
				sb.WriteString("  | " + line + "\n")
			}
		}
	} else {
		sb.WriteString(l.t("LedgerStoryNoAlert", "ID", id, "Count", len(evs)) + "\n")
	}

	sb.WriteString("\n" + l.t("LedgerStoryEvents", "Count", len(evs)) + "\n")
	tw := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
	for _, e := range evs {
		fmt.Fprintf(tw, "  #%d\t%s\t%s\t%s\t%s\t%s\n", e.Seq, l.local(e.At), l.EventLabel(e.Type), who(l, e.Official), who(l, e.Actor), l.detail(e))
	}
	tw.Flush()

	if haveAlert {
		sb.WriteString("\n" + l.t("LedgerStoryRecipients", "Count", len(rs)) + "\n")
		tw = tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
		for _, r := range rs {
			c := Call{Alert: a, Recipient: r}
			line := "  " + who(l, r.Official) + "\t" + l.cfg.UnitName(l.unitOf(r.Official)) + "\t" + l.CallState(c) + "\t" +
				l.t("LedgerStorySent", "Time", l.local(c.Sent()))
			if !r.AckedAt.IsZero() {
				after := ""
				if d, ok := c.Latency(); ok {
					after = d.Round(1e9).String()
				}
				line += "\t" + l.t("LedgerStoryAnswered", "Time", l.local(r.AckedAt), "Name", l.name(r.AckedBy), "After", after)
			} else {
				line += "\t"
			}
			if r.Unreachable != "" {
				line += "\t" + l.t("LedgerStoryUnreachable", "Reason", l.unreachable(r.Unreachable))
			}
			if s := l.Steps(r); s != "" {
				line += "\t" + l.t("LedgerStorySteps", "Steps", s)
			}
			fmt.Fprintln(tw, line)
		}
		tw.Flush()
	}
	return sb.String(), nil
}

// unreachable puts the engine's reasons for an unreachable recipient into
// words; the Bot API's own are shown as they came.
func (l *Ledger) unreachable(reason string) string {
	cause, after := callout.UnreachableCause(reason)
	if cause == "" {
		return reason
	}
	return l.t("LedgerUnreachable_"+cause, "Minutes", max(int(after.Minutes()), 1))
}

// who is a person with their id, or a part of the system.
func who(l *Ledger, id string) string {
	if id == "" {
		return "-"
	}
	if _, ok := l.cfg.Official(id); ok {
		return l.name(id) + " (" + id + ")"
	}
	return l.name(id)
}
