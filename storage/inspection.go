package storage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Inspections (/check): an official's visit to an enterprise of the
// registry, either a 检查指导 or a 协调解决安全管理难题, with what was
// checked, what was found, photos and the hazards it registered. Item 19's
// monthly quotas count them per person, so besides the records (by id)
// an index keyed by official and time lets a month of one person's work
// be counted with one seek, without decoding any record.

// Buckets of the inspections.
var (
	bInspections   = []byte("inspections")    // id -> Inspection
	bInspectionsBy = []byte("inspections_by") // official \x00 time \x00 id -> inspectionEntry
)

// EvInspected is the event of an inspection recorded; Event.Alert is its
// id and Code, CodeInspected, has the Args Enterprise, Kind (word),
// Checked, Findings, Photos and Hazards (ids, when any).
const (
	EvInspected   = "inspected"
	CodeInspected = "inspected"
)

// Kinds of inspection.
const (
	InspectionCheck   = "inspect" // 检查指导
	InspectionProblem = "problem" // 协调解决安全管理难题
)

// Words of VocabWord naming the kinds in the ledger.
const (
	WordInspectionCheck   = "inspection_check"
	WordInspectionProblem = "inspection_problem"
)

// InspectionKindWord is the VocabWord word of a kind.
func InspectionKindWord(kind string) string {
	if kind == InspectionProblem {
		return WordInspectionProblem
	}
	return WordInspectionCheck
}

// InspectionKinds lists the kinds.
var InspectionKinds = []string{InspectionCheck, InspectionProblem}

// Inspection is one visit recorded with /check. The enterprise's name and
// 属地 unit are copied as they were, so the record reads alone; so is
// what the official was to the enterprise at the time (Plaque), which is
// what the quotas count.
type Inspection struct {
	ID             string    `json:"id"`         // C20261202-01
	Enterprise     string    `json:"enterprise"` // 统一社会信用代码
	EnterpriseName string    `json:"enterprise_name"`
	Unit           string    `json:"unit,omitempty"` // 属地 unit
	Official       string    `json:"official"`       // who inspected, an official id
	At             time.Time `json:"at"`
	Kind           string    `json:"kind"`               // InspectionCheck or InspectionProblem
	Checked        string    `json:"checked"`            // what was checked (检查内容)
	Findings       string    `json:"findings,omitempty"` // findings or notes; "" for none
	Photos         []string  `json:"photos,omitempty"`   // Telegram file ids
	Point          *Point    `json:"point,omitempty"`
	Hazards        []string  `json:"hazards,omitempty"` // ids of the hazards it registered
	// Plaque lists what the official was on the enterprise's plaque when
	// inspecting (PlaqueAdmin, PlaqueSupervisor, PlaqueGuarantor); empty
	// for an enterprise not theirs.
	Plaque []string `json:"plaque,omitempty"`
}

// OwnPlaque reports whether the inspection counts for item 19's quotas:
// the official was the enterprise's 行政负责人 or 行业部门监管负责人.
func (i Inspection) OwnPlaque() bool {
	return slices.Contains(i.Plaque, PlaqueAdmin) || slices.Contains(i.Plaque, PlaqueSupervisor)
}

// inspectionEntry is the value of the index: what counting needs.
type inspectionEntry struct {
	Kind       string `json:"k"`
	Own        bool   `json:"o,omitempty"`
	Enterprise string `json:"e"`
}

// indexTime is the index's time format: UTC, fixed width, so keys sort by
// time.
const indexTime = "20060102150405.000000000"

func inspectionKey(official string, at time.Time, id string) []byte {
	return []byte(official + "\x00" + at.UTC().Format(indexTime) + "\x00" + id)
}

// NextInspectionID numbers a new inspection by the day of now:
// C20261202-01, C20261202-02… (now should be in the town's time zone).
func (t *Tx) NextInspectionID(now time.Time) (string, error) {
	day := now.Format("20060102")
	key := []byte("inspection_seq:" + day)
	meta := t.tx.Bucket(bMeta)
	n := uint64(0)
	if v := meta.Get(key); v != nil {
		var err error
		if n, err = strconv.ParseUint(string(v), 10, 64); err != nil {
			return "", fmt.Errorf("inspection sequence %s: %w", day, err)
		}
	}
	n++
	if err := meta.Put(key, []byte(strconv.FormatUint(n, 10))); err != nil {
		return "", err
	}
	return fmt.Sprintf("C%s-%02d", day, n), nil
}

// PutInspection stores a new inspection and indexes it. Inspections are
// not edited: storing one id twice is refused, so the index stays true.
func (t *Tx) PutInspection(i Inspection) error {
	if i.ID == "" || i.Official == "" {
		return fmt.Errorf("inspection without an id or an official")
	}
	if t.tx.Bucket(bInspections).Get([]byte(i.ID)) != nil {
		return fmt.Errorf("inspection %s is already stored", i.ID)
	}
	if err := t.put(bInspections, []byte(i.ID), i); err != nil {
		return err
	}
	v, err := json.Marshal(inspectionEntry{Kind: i.Kind, Own: i.OwnPlaque(), Enterprise: i.Enterprise})
	if err != nil {
		return fmt.Errorf("encode inspection index entry: %w", err)
	}
	return t.tx.Bucket(bInspectionsBy).Put(inspectionKey(i.Official, i.At, i.ID), v)
}

// Inspection loads an inspection.
func (t *Tx) Inspection(id string) (Inspection, error) {
	var i Inspection
	err := t.get(bInspections, []byte(id), &i)
	return i, err
}

// Inspections returns every inspection, oldest first.
func (t *Tx) Inspections() ([]Inspection, error) {
	var out []Inspection
	err := t.tx.Bucket(bInspections).ForEach(func(k, v []byte) error {
		var i Inspection
		if err := decode(v, &i); err != nil {
			return &CorruptError{Bucket: string(bInspections), Key: slices.Clone(k), Err: err}
		}
		out = append(out, i)
		return nil
	})
	sortInspections(out)
	return out, err
}

// InspectionsBy returns an official's inspections at or after from and
// before to (a zero to: no end), oldest first, through the index.
func (t *Tx) InspectionsBy(official string, from, to time.Time) ([]Inspection, error) {
	var out []Inspection
	err := t.scanBy(official, from, to, func(id string, _ inspectionEntry) error {
		i, err := t.Inspection(id)
		if err != nil {
			return fmt.Errorf("inspection %s of the index: %w", id, err)
		}
		out = append(out, i)
		return nil
	})
	sortInspections(out)
	return out, err
}

// InspectionCounts are what item 19 counts of one official's inspections
// in a period.
type InspectionCounts struct {
	// All is every inspection they recorded, of any enterprise and kind.
	All int `json:"all"`
	// Own is their 检查指导 of enterprises on their plaque (行政负责人 or
	// 行业部门监管负责人): the “2 a month”.
	Own int `json:"own"`
	// Problems is their 协调解决安全管理难题 at enterprises on their
	// plaque.
	Problems int `json:"problems"`
	// Covered are the enterprises on their plaque they visited (either
	// kind), by 信用代码: the half-year coverage compares them with
	// PlaquesOf.
	Covered []string `json:"covered"`
}

// CountInspections counts an official's inspections at or after from and
// before to (a zero to: no end) from the index alone.
func (t *Tx) CountInspections(official string, from, to time.Time) (InspectionCounts, error) {
	var c InspectionCounts
	err := t.scanBy(official, from, to, func(_ string, e inspectionEntry) error {
		c.All++
		if !e.Own {
			return nil
		}
		if e.Kind == InspectionProblem {
			c.Problems++
		} else {
			c.Own++
		}
		if !slices.Contains(c.Covered, e.Enterprise) {
			c.Covered = append(c.Covered, e.Enterprise)
		}
		return nil
	})
	slices.Sort(c.Covered)
	return c, err
}

// scanBy walks the index of an official's inspections in [from, to).
func (t *Tx) scanBy(official string, from, to time.Time, fn func(id string, e inspectionEntry) error) error {
	prefix := []byte(official + "\x00")
	start := append(slices.Clone(prefix), from.UTC().Format(indexTime)...)
	if from.IsZero() {
		start = prefix
	}
	var end []byte
	if !to.IsZero() {
		end = append(slices.Clone(prefix), to.UTC().Format(indexTime)...)
	}
	c := t.tx.Bucket(bInspectionsBy).Cursor()
	for k, v := c.Seek(start); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if end != nil && bytes.Compare(k, end) >= 0 {
			break
		}
		var e inspectionEntry
		if err := decode(v, &e); err != nil {
			return &CorruptError{Bucket: string(bInspectionsBy), Key: slices.Clone(k), Err: err}
		}
		id := k[bytes.LastIndexByte(k, 0)+1:]
		if err := fn(string(id), e); err != nil {
			return err
		}
	}
	return nil
}

// sortInspections orders by time, then id (a day's hundredth after its
// ninety-ninth).
func sortInspections(list []Inspection) {
	slices.SortStableFunc(list, func(a, b Inspection) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		if c := len(a.ID) - len(b.ID); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// EnterpriseBrief is what /check's search needs of an enterprise: its
// code, name and the officials on its plaque.
type EnterpriseBrief struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	Admin      string `json:"admin"`
	Supervisor string `json:"supervisor"`
	Guarantor  string `json:"guarantor,omitempty"`
}

// EnterpriseBriefs returns the registry's enterprises in brief, by 信用代码:
// decoding five fields rather than the whole record keeps a search over
// thousands of enterprises cheap.
func (t *Tx) EnterpriseBriefs() ([]EnterpriseBrief, error) {
	b := t.tx.Bucket(bEnterprises)
	if b == nil {
		return nil, nil
	}
	out := make([]EnterpriseBrief, 0, b.KeyN())
	err := b.ForEach(func(k, v []byte) error {
		var e EnterpriseBrief
		if err := decode(v, &e); err != nil {
			return &CorruptError{Bucket: string(bEnterprises), Key: slices.Clone(k), Err: err}
		}
		out = append(out, e)
		return nil
	})
	return out, err
}
