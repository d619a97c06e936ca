package inspection

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"dutybot/hazard"
	"dutybot/storage"
)

// Record is an inspection as an official records it.
type Record struct {
	Enterprise string // 统一社会信用代码, of the registry
	Official   string
	Kind       string // KindCheck or KindProblem
	Checked    string // what was checked
	Findings   string // findings or notes; "" for none
	Photos     []string
	Point      *storage.Point
	Hazards    []Hazard
	// Done, if set, runs in the transaction that stores the inspection
	// (the chat ends its flow there, so a replayed press finds it ended);
	// its error undoes everything.
	Done func(tx *storage.Tx) error
}

// Hazard is a hazard found by an inspection, given to the enterprise at
// once (交办): its level, what it is, the deadline, whom at the enterprise
// (empty: the enterprise's head) and for a 重大隐患 its 五落实.
type Hazard struct {
	Level       string // hazard.LevelGeneral or LevelMajor
	Description string
	Deadline    time.Time
	Responsible storage.Contact
	Five        *hazard.FiveFixes
}

func checkText(field, v string, required bool) (string, error) {
	v = strings.TrimSpace(v)
	switch {
	case v == "" && required:
		return "", fmt.Errorf("%s: %w", field, ErrRequired)
	case utf8.RuneCountInString(v) > MaxText:
		return "", fmt.Errorf("%s: %w: at most %d characters", field, ErrTooLong, MaxText)
	}
	return v, nil
}

// Submit records an inspection and registers its hazards, each found and
// given to the enterprise with its deadline through the hazard loop (whose
// notices go to the enterprise's supervisor, administrator and 属地 unit,
// and for a 重大隐患 to the leaders), in one transaction: a hazard refused
// refuses the whole inspection with a *HazardError naming it.
func (s *Service) Submit(r Record) (Inspection, error) {
	if _, ok := s.cfg.Official(r.Official); !ok || r.Official == "" {
		return Inspection{}, fmt.Errorf("official: %w %q", ErrUnknownOfficial, r.Official)
	}
	e, ok, err := s.reg.Get(strings.TrimSpace(r.Enterprise))
	if err != nil {
		return Inspection{}, err
	}
	if !ok {
		return Inspection{}, fmt.Errorf("enterprise %q: %w", r.Enterprise, ErrUnknownEnterprise)
	}
	a := s.Access(r.Official, e)
	if !a.Allowed {
		return Inspection{}, &ForbiddenError{Official: r.Official, Enterprise: e}
	}
	if !slices.Contains(Kinds, r.Kind) {
		return Inspection{}, fmt.Errorf("kind %q: %w", r.Kind, ErrBadKind)
	}
	if r.Checked, err = checkText("checked", r.Checked, true); err != nil {
		return Inspection{}, err
	}
	if r.Findings, err = checkText("findings", r.Findings, false); err != nil {
		return Inspection{}, err
	}
	var photos []string
	for _, p := range r.Photos {
		if p = strings.TrimSpace(p); p != "" {
			photos = append(photos, p)
		}
	}
	if len(photos) > MaxPhotos {
		return Inspection{}, fmt.Errorf("photos: %w: at most %d", ErrTooMany, MaxPhotos)
	}
	if p := r.Point; p != nil && (p.Lat < -90 || p.Lat > 90 || p.Lon < -180 || p.Lon > 180) {
		return Inspection{}, fmt.Errorf("location: %w", ErrBadLocation)
	}
	if len(r.Hazards) > MaxHazards {
		return Inspection{}, fmt.Errorf("hazards: %w: at most %d", ErrTooMany, MaxHazards)
	}
	now := s.clock.Now()
	in := Inspection{Enterprise: e.Code, EnterpriseName: e.Name, Unit: e.Unit, Official: r.Official, At: now,
		Kind: r.Kind, Checked: r.Checked, Findings: r.Findings, Photos: photos, Point: r.Point, Plaque: a.Plaque}
	err = s.db.Update(func(tx *storage.Tx) error {
		var err error
		if in.ID, err = NextID(tx, now.In(s.loc)); err != nil {
			return err
		}
		for i, hz := range r.Hazards {
			// The inspection's photos are each hazard's evidence of 发现.
			h, err := s.hazards.ReportIn(tx, hazard.Finding{Enterprise: e.Code, FoundBy: r.Official, Level: hz.Level,
				Description: hz.Description, Photos: photos, Point: r.Point, Responsible: hz.Responsible,
				Assign: &hazard.Assignment{Deadline: hz.Deadline, Responsible: hz.Responsible, Five: hz.Five}})
			if err != nil {
				return &HazardError{N: i + 1, Description: hz.Description, Err: err}
			}
			in.Hazards = append(in.Hazards, h.ID)
		}
		if err := Put(tx, in); err != nil {
			return err
		}
		args := []storage.Arg{storage.Text("Enterprise", e.Name),
			storage.Word("Kind", storage.VocabWord, KindWord(in.Kind)),
			storage.Text("Checked", in.Checked), storage.Text("Findings", in.Findings)}
		if n := len(in.Photos); n > 0 {
			args = append(args, storage.Int("Photos", n))
		}
		if len(in.Hazards) > 0 {
			args = append(args, storage.Text("Hazards", strings.Join(in.Hazards, "、")))
		}
		if err := tx.AppendEvent(storage.Event{At: now, Type: EvInspected, Alert: in.ID, Actor: r.Official,
			Detail: fmt.Sprintf("%s (%s), %s: %s; findings: %s; %d photos; hazards: %s", e.Name, e.Code, in.Kind,
				excerpt(in.Checked, 200), excerpt(in.Findings, 200), len(in.Photos), strings.Join(in.Hazards, ", ")),
			Code: storage.CodeInspected, Args: args}); err != nil {
			return err
		}
		if r.Done != nil {
			return r.Done(tx)
		}
		return nil
	})
	var he *HazardError
	switch {
	case errors.As(err, &he):
		return Inspection{}, err
	case err != nil:
		return Inspection{}, fmt.Errorf("record inspection of %s: %w", e.Code, err)
	}
	if len(in.Hazards) > 0 {
		s.hazards.Committed()
	}
	s.log.Info("inspection recorded", "inspection", in.ID, "enterprise", e.Code, "official", r.Official,
		"kind", in.Kind, "hazards", len(in.Hazards), "own", in.OwnPlaque())
	return in, nil
}

// excerpt shortens a text for a log line.
func excerpt(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// Get returns an inspection; ok is false for an unknown id.
func (s *Service) Get(id string) (Inspection, bool, error) {
	var in Inspection
	err := s.db.View(func(tx *storage.Tx) error {
		var err error
		in, err = Load(tx, id)
		return err
	})
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return in, false, nil
	case err != nil:
		return in, false, fmt.Errorf("read inspection %s: %w", id, err)
	}
	return in, true, nil
}

// Filter selects inspections; empty fields select all, From and To bound
// the time (To excluded).
type Filter struct {
	Official   string
	Enterprise string
	From, To   time.Time
}

// List returns the inspections the filter selects, oldest first; by
// official it reads the index.
func (s *Service) List(f Filter) ([]Inspection, error) {
	var all []Inspection
	err := s.db.View(func(tx *storage.Tx) error {
		var err error
		if f.Official != "" {
			all, err = By(tx, f.Official, f.From, f.To)
		} else {
			all, err = All(tx)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list inspections: %w", err)
	}
	out := all[:0]
	for _, in := range all {
		if (f.Enterprise == "" || in.Enterprise == f.Enterprise) &&
			(f.From.IsZero() || !in.At.Before(f.From)) && (f.To.IsZero() || in.At.Before(f.To)) {
			out = append(out, in)
		}
	}
	return out, nil
}

// CountByOfficial counts what item 19 asks of official in [from, to):
// inspections of their own 挂牌企业, problems solved there, and which of
// their enterprises they covered.
func (s *Service) CountByOfficial(official string, from, to time.Time) (Counts, error) {
	var c Counts
	err := s.db.View(func(tx *storage.Tx) error {
		var err error
		c, err = Count(tx, official, from, to)
		return err
	})
	if err != nil {
		return c, fmt.Errorf("count the inspections of %s: %w", official, err)
	}
	return c, nil
}

// Month returns the bounds of the month of t in the town's time zone, as
// quotas count it.
func (s *Service) Month(t time.Time) (from, to time.Time) {
	t = t.In(s.loc)
	from = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, s.loc)
	return from, from.AddDate(0, 1, 0)
}
