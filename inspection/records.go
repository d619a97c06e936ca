package inspection

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"dutybot/enterprise"
	"dutybot/storage"
)

// The stored inspections (/check): an official's visit to an enterprise
// of the registry, either a 检查指导 or a 协调解决安全管理难题, with what was
// checked, what was found, photos and the hazards it registered. Item 19's
// monthly quotas count them per person, so besides the records (by id) an
// index keyed by official and time lets a month of one person's work be
// counted with one seek, without decoding any record. Bucket names and
// keys are the on-disk schema.
const (
	bInspections   = "inspections"    // id -> Inspection
	bInspectionsBy = "inspections_by" // official \x00 time \x00 id -> indexEntry
)

// EvInspected is the event of an inspection recorded; Event.Alert is its
// id and Code, storage.CodeInspected, has the Args Enterprise, Kind
// (word), Checked, Findings, Photos and Hazards (ids, when any).
const EvInspected = "inspected"

// Kinds of inspection.
const (
	KindCheck   = "inspect" // 检查指导
	KindProblem = "problem" // 协调解决安全管理难题
)

// KindWord is the storage.VocabWord word of a kind, naming it in the
// ledger.
func KindWord(kind string) string {
	if kind == KindProblem {
		return storage.WordInspectionProblem
	}
	return storage.WordInspectionCheck
}

// Kinds lists the kinds.
var Kinds = []string{KindCheck, KindProblem}

// Inspection is one visit recorded with /check. The enterprise's name and
// 属地 unit are copied as they were, so the record reads alone; so is
// what the official was to the enterprise at the time (Plaque), which is
// what the quotas count.
type Inspection struct {
	ID             string         `json:"id"`         // C20261202-01
	Enterprise     string         `json:"enterprise"` // 统一社会信用代码
	EnterpriseName string         `json:"enterprise_name"`
	Unit           string         `json:"unit,omitempty"` // 属地 unit
	Official       string         `json:"official"`       // who inspected, an official id
	At             time.Time      `json:"at"`
	Kind           string         `json:"kind"`               // KindCheck or KindProblem
	Checked        string         `json:"checked"`            // what was checked (检查内容)
	Findings       string         `json:"findings,omitempty"` // findings or notes; "" for none
	Photos         []string       `json:"photos,omitempty"`   // Telegram file ids
	Point          *storage.Point `json:"point,omitempty"`
	Hazards        []string       `json:"hazards,omitempty"` // ids of the hazards it registered
	// Plaque lists what the official was on the enterprise's plaque when
	// inspecting (enterprise.PlaqueAdmin, PlaqueSupervisor,
	// PlaqueGuarantor); empty for an enterprise not theirs.
	Plaque []string `json:"plaque,omitempty"`
}

// OwnPlaque reports whether the inspection counts for item 19's quotas:
// the official was the enterprise's 行政负责人 or 行业部门监管负责人.
func (i Inspection) OwnPlaque() bool {
	return slices.Contains(i.Plaque, enterprise.PlaqueAdmin) || slices.Contains(i.Plaque, enterprise.PlaqueSupervisor)
}

// indexEntry is the value of the index: what counting needs.
type indexEntry struct {
	Kind       string `json:"k"`
	Own        bool   `json:"o,omitempty"`
	Enterprise string `json:"e"`
}

// indexTime is the index's time format: UTC, fixed width, so keys sort by
// time.
const indexTime = "20060102150405.000000000"

func indexKey(official string, at time.Time, id string) []byte {
	return []byte(official + "\x00" + at.UTC().Format(indexTime) + "\x00" + id)
}

// NextID numbers a new inspection by the day of now: C20261202-01,
// C20261202-02… (now should be in the town's time zone). The day's count
// is kept in meta ("inspection_seq:<day>"), where files already hold it.
func NextID(tx *storage.Tx, now time.Time) (string, error) {
	day := now.Format("20060102")
	key := "inspection_seq:" + day
	n := uint64(0)
	if v, ok := tx.Meta(key); ok {
		var err error
		if n, err = strconv.ParseUint(v, 10, 64); err != nil {
			return "", fmt.Errorf("inspection sequence %s: %w", day, err)
		}
	}
	n++
	if err := tx.PutMeta(key, strconv.FormatUint(n, 10)); err != nil {
		return "", fmt.Errorf("inspection sequence %s: %w", day, err)
	}
	return fmt.Sprintf("C%s-%02d", day, n), nil
}

// Put stores a new inspection and indexes it. Inspections are not
// edited: storing one id twice is refused, so the index stays true.
func Put(tx *storage.Tx, i Inspection) error {
	if i.ID == "" || i.Official == "" {
		return fmt.Errorf("inspection without an id or an official")
	}
	recs := tx.Records(bInspections)
	if recs.Has([]byte(i.ID)) {
		return fmt.Errorf("inspection %s is already stored", i.ID)
	}
	if err := recs.Put([]byte(i.ID), i); err != nil {
		return err
	}
	e := indexEntry{Kind: i.Kind, Own: i.OwnPlaque(), Enterprise: i.Enterprise}
	if err := tx.Records(bInspectionsBy).Put(indexKey(i.Official, i.At, i.ID), e); err != nil {
		return fmt.Errorf("index inspection %s: %w", i.ID, err)
	}
	return nil
}

// Load returns an inspection: storage.ErrNotFound when there is none.
func Load(tx *storage.Tx, id string) (Inspection, error) {
	var i Inspection
	err := tx.Records(bInspections).Get([]byte(id), &i)
	return i, err
}

// All returns every inspection, oldest first.
func All(tx *storage.Tx) ([]Inspection, error) {
	var out []Inspection
	err := tx.Records(bInspections).Scan(nil, nil, func(k, v []byte) error {
		var i Inspection
		if err := json.Unmarshal(v, &i); err != nil {
			return &storage.CorruptError{Bucket: bInspections, Key: slices.Clone(k), Err: err}
		}
		out = append(out, i)
		return nil
	})
	sortInspections(out)
	return out, err
}

// By returns an official's inspections at or after from and before to (a
// zero to: no end), oldest first, through the index.
func By(tx *storage.Tx, official string, from, to time.Time) ([]Inspection, error) {
	var out []Inspection
	err := scanBy(tx, official, from, to, func(id string, _ indexEntry) error {
		i, err := Load(tx, id)
		if err != nil {
			return fmt.Errorf("inspection %s of the index: %w", id, err)
		}
		out = append(out, i)
		return nil
	})
	sortInspections(out)
	return out, err
}

// Counts are what item 19 counts of one official's inspections in a
// period.
type Counts struct {
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
	// enterprise.PlaquesOf.
	Covered []string `json:"covered"`
}

// Count counts an official's inspections at or after from and before to
// (a zero to: no end) from the index alone.
func Count(tx *storage.Tx, official string, from, to time.Time) (Counts, error) {
	var c Counts
	err := scanBy(tx, official, from, to, func(_ string, e indexEntry) error {
		c.All++
		if !e.Own {
			return nil
		}
		if e.Kind == KindProblem {
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

// errEnd ends a scan of the index at the end of the period.
var errEnd = errors.New("end of the period")

// scanBy walks the index of an official's inspections in [from, to).
func scanBy(tx *storage.Tx, official string, from, to time.Time, fn func(id string, e indexEntry) error) error {
	prefix := []byte(official + "\x00")
	var start []byte
	if !from.IsZero() {
		start = append(slices.Clone(prefix), from.UTC().Format(indexTime)...)
	}
	var end []byte
	if !to.IsZero() {
		end = append(slices.Clone(prefix), to.UTC().Format(indexTime)...)
	}
	err := tx.Records(bInspectionsBy).Scan(prefix, start, func(k, v []byte) error {
		if end != nil && bytes.Compare(k, end) >= 0 {
			return errEnd
		}
		var e indexEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return &storage.CorruptError{Bucket: bInspectionsBy, Key: slices.Clone(k), Err: err}
		}
		id := k[bytes.LastIndexByte(k, 0)+1:]
		return fn(string(id), e)
	})
	if errors.Is(err, errEnd) {
		return nil
	}
	return err
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
