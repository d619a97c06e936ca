package enterprise

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"dutybot/storage"
)

// The stored registry (挂牌企业台账): replaced whole by each import
// (Registry.Import), so it is stored as the file said, keyed by the
// 统一社会信用代码, which no two enterprises share and which does not change
// when an enterprise is renamed. Bucket names and keys are the on-disk
// schema.
const (
	bEnterprises = "enterprises"        // 统一社会信用代码 -> Enterprise
	bPlaques     = "enterprise_plaques" // official id \x00 role \x00 code -> nothing: the index of plaques
)

// EvImported is the event of an import that replaced the registry; its
// Code, storage.CodeEnterprisesImported, has the Args Source (the file),
// Count and Replaced.
const EvImported = "enterprises_imported"

// Plaque roles: who an official is to an enterprise (the index kept by
// Replace).
const (
	PlaqueAdmin      = "admin"      // 行政负责人
	PlaqueSupervisor = "supervisor" // 行业部门监管负责人
	PlaqueGuarantor  = "guarantor"  // 包保责任人
)

// Enterprise is one 挂牌企业 of the registry.
type Enterprise struct {
	Code     string `json:"code"` // 统一社会信用代码, 18 characters, checked
	Name     string `json:"name"` // 企业名称
	Address  string `json:"address,omitempty"`
	Industry string `json:"industry"` // an Industries id
	Risk     string `json:"risk"`     // red, orange, yellow, blue (红橙黄蓝)
	// MajorHazard says the enterprise has a 重大危险源; MajorHazardNote
	// says which.
	MajorHazard     bool   `json:"major_hazard"`
	MajorHazardNote string `json:"major_hazard_note,omitempty"`
	// The three plaque people (三个责任人): two officials and the
	// enterprise's own head.
	Admin      string          `json:"admin"`      // 行政负责人, an official id
	Supervisor string          `json:"supervisor"` // 行业部门监管负责人, an official id
	Head       storage.Contact `json:"head"`       // 企业单位负责人
	// The officials' names as the configuration gave them at import, to
	// say whom a plaque names once they have left the configuration.
	AdminName      string `json:"admin_name,omitempty"`
	SupervisorName string `json:"supervisor_name,omitempty"`
	GuarantorName  string `json:"guarantor_name,omitempty"`
	// The enterprise's 三个层级负责人 of its major risks.
	Principal     storage.Contact `json:"principal,omitzero"`      // 主要负责人
	Deputy        storage.Contact `json:"deputy,omitzero"`         // 分管负责人
	SafetyManager storage.Contact `json:"safety_manager,omitzero"` // 安全管理人员
	Guarantor     string          `json:"guarantor,omitempty"`     // 包保责任人, an official id
	Unit          string          `json:"unit"`                    // 属地, a unit id
	// Row is where the enterprise stood in the imported file.
	Row        int       `json:"row,omitempty"`
	Source     string    `json:"source,omitempty"` // "import:<file>"
	ImportedAt time.Time `json:"imported_at"`
}

// Plaques returns the officials of an enterprise's plaque with their
// roles, the 包保责任人 included when there is one.
func (e Enterprise) Plaques() [][2]string {
	out := [][2]string{{PlaqueAdmin, e.Admin}, {PlaqueSupervisor, e.Supervisor}}
	if e.Guarantor != "" {
		out = append(out, [2]string{PlaqueGuarantor, e.Guarantor})
	}
	return out
}

func plaqueKey(official, role, code string) []byte {
	return []byte(official + "\x00" + role + "\x00" + code)
}

// clearRecords removes every record of a bucket.
func clearRecords(recs *storage.Records) error {
	var keys [][]byte
	err := recs.Scan(nil, nil, func(k, _ []byte) error {
		keys = append(keys, slices.Clone(k))
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := recs.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// Replace replaces the whole registry with list (codes unique) and
// rebuilds the index of officials; it returns how many enterprises were
// stored before.
func Replace(tx *storage.Tx, list []Enterprise) (replaced int, err error) {
	ents, idx := tx.Records(bEnterprises), tx.Records(bPlaques)
	replaced = ents.Len()
	for _, recs := range []*storage.Records{ents, idx} {
		if err := clearRecords(recs); err != nil {
			return 0, fmt.Errorf("clear the enterprise registry: %w", err)
		}
	}
	for _, e := range list {
		if ents.Has([]byte(e.Code)) {
			return 0, fmt.Errorf("enterprise %s twice in one registry", e.Code)
		}
		if err := ents.Put([]byte(e.Code), e); err != nil {
			return 0, err
		}
		for _, p := range e.Plaques() {
			if err := idx.PutRaw(plaqueKey(p[1], p[0], e.Code), nil); err != nil {
				return 0, fmt.Errorf("index the plaques of %s: %w", e.Code, err)
			}
		}
	}
	return replaced, nil
}

// All returns the registry, by 信用代码.
func All(tx *storage.Tx) ([]Enterprise, error) {
	var out []Enterprise
	err := tx.Records(bEnterprises).Scan(nil, nil, func(k, v []byte) error {
		var e Enterprise
		if err := decode(bEnterprises, k, v, &e); err != nil {
			return err
		}
		out = append(out, e)
		return nil
	})
	return out, err
}

// Load returns one enterprise by its 信用代码: storage.ErrNotFound when the
// registry does not hold it.
func Load(tx *storage.Tx, code string) (Enterprise, error) {
	var e Enterprise
	err := tx.Records(bEnterprises).Get([]byte(code), &e)
	return e, err
}

// Count returns how many enterprises the registry holds.
func Count(tx *storage.Tx) int { return tx.Records(bEnterprises).Len() }

// Plaque is an enterprise an official is named on, and as what.
type Plaque struct {
	Role string // PlaqueAdmin, PlaqueSupervisor, PlaqueGuarantor
	Code string // the enterprise's 信用代码
}

// PlaquesOf returns the enterprises an official is named on, by role
// then code, from the index: without reading the registry.
func PlaquesOf(tx *storage.Tx, official string) []Plaque {
	var out []Plaque
	prefix := []byte(official + "\x00")
	_ = tx.Records(bPlaques).Scan(prefix, nil, func(k, _ []byte) error {
		role, code, _ := bytes.Cut(k[len(prefix):], []byte{0})
		out = append(out, Plaque{Role: string(role), Code: string(code)})
		return nil
	})
	return out
}

// Brief is what /check's search needs of an enterprise: its code, name
// and the officials on its plaque.
type Brief struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	Admin      string `json:"admin"`
	Supervisor string `json:"supervisor"`
	Guarantor  string `json:"guarantor,omitempty"`
}

// Briefs returns the registry's enterprises in brief, by 信用代码: decoding
// five fields rather than the whole record keeps a search over thousands
// of enterprises cheap.
func Briefs(tx *storage.Tx) ([]Brief, error) {
	var out []Brief
	err := tx.Records(bEnterprises).Scan(nil, nil, func(k, v []byte) error {
		var e Brief
		if err := decode(bEnterprises, k, v, &e); err != nil {
			return err
		}
		out = append(out, e)
		return nil
	})
	return out, err
}

// decode decodes a record read by a scan, naming it when it does not.
func decode(bucket string, k, v []byte, into any) error {
	if err := json.Unmarshal(v, into); err != nil {
		return &storage.CorruptError{Bucket: bucket, Key: slices.Clone(k), Err: err}
	}
	return nil
}
