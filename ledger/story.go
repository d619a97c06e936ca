package ledger

import (
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"dutybot/storage"
)

// ErrUnknownAlert is returned by Story for an alert id not in the log.
var ErrUnknownAlert = errors.New("no such alert")

// Story tells one alert's full story for `dutybot ledger show`: the alert,
// every event of it in order with its chain position, and where each
// recipient stands. Incidents and tips, whose events carry their id as the
// alert, are told from their events alone.
func (l *Ledger) Story(id string) (string, error) {
	var a storage.Alert
	var haveAlert bool
	var rs []storage.Recipient
	var evs []storage.Event
	err := l.db.View(func(tx *storage.Tx) error {
		var err error
		a, err = tx.Alert(id)
		switch {
		case err == nil:
			haveAlert = true
			if rs, err = tx.Recipients(id); err != nil {
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
		fmt.Fprintf(&sb, "created %s by %s (%s), %d recipients, state %s", l.local(a.CreatedAt), l.name(issuer), a.Source, a.Total, a.State)
		if !a.ClosedAt.IsZero() {
			fmt.Fprintf(&sb, " since %s", l.local(a.ClosedAt))
			if a.ClosedBy != "" {
				fmt.Fprintf(&sb, " (by %s)", l.name(a.ClosedBy))
			}
		}
		sb.WriteString("\n")
		if a.Body != "" {
			for _, line := range strings.Split(strings.TrimSpace(a.Body), "\n") {
				sb.WriteString("  | " + line + "\n")
			}
		}
	} else {
		fmt.Fprintf(&sb, "%s: no alert of that id; %d events carry it\n", id, len(evs))
	}

	fmt.Fprintf(&sb, "\nevents (%d):\n", len(evs))
	tw := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
	for _, e := range evs {
		fmt.Fprintf(tw, "  #%d\t%s\t%s\t%s\t%s\t%s\n", e.Seq, l.local(e.At), e.Type, who(l, e.Official), who(l, e.Actor), e.Detail)
	}
	tw.Flush()

	if haveAlert {
		fmt.Fprintf(&sb, "\nrecipients (%d):\n", len(rs))
		tw = tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
		for _, r := range rs {
			c := Call{Alert: a, Recipient: r}
			line := fmt.Sprintf("  %s\t%s\t%s\tsent %s", who(l, r.Official), l.cfg.UnitName(l.unitOf(r.Official)), l.CallState(c), l.local(c.Sent()))
			if !r.AckedAt.IsZero() {
				line += fmt.Sprintf("\tanswered %s by %s", l.local(r.AckedAt), l.name(r.AckedBy))
				if d, ok := c.Latency(); ok {
					line += fmt.Sprintf(" after %s", d.Round(1e9))
				}
			} else {
				line += "\t"
			}
			if r.Unreachable != "" {
				line += "\tunreachable: " + r.Unreachable
			}
			if s := l.Steps(r); s != "" {
				line += "\tsteps: " + s
			}
			fmt.Fprintln(tw, line)
		}
		tw.Flush()
	}
	return sb.String(), nil
}

// who is a person with their id, or a part of the system.
func who(l *Ledger, id string) string {
	if id == "" {
		return "-"
	}
	if _, ok := l.cfg.Official(id); ok {
		return l.name(id) + " (" + id + ")"
	}
	return id
}
