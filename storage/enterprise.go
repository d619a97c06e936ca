package storage

import (
	"bytes"
	"fmt"
	"time"
)

// The enterprise registry (挂牌企业台账): the town's key enterprises with
// the people on their public plaque. It is replaced whole by each import
// (enterprise.Registry.Import), so it is stored as the file said, keyed by
// the 统一社会信用代码, which no two enterprises share and which does not
// change when an enterprise is renamed.

// EvEnterprisesImported is the event of an import that replaced the
// registry; its Code, CodeEnterprisesImported, has the Args Source (the
// file), Count and Replaced.
const (
	EvEnterprisesImported   = "enterprises_imported"
	CodeEnterprisesImported = "enterprises_imported"
)

// Buckets of the registry.
var (
	bEnterprises = []byte("enterprises")        // 统一社会信用代码 -> Enterprise
	bPlaques     = []byte("enterprise_plaques") // official id \x00 role \x00 code -> nothing: the index of plaques
)

// Plaque roles: who an official is to an enterprise (the index kept by
// ReplaceEnterprises).
const (
	PlaqueAdmin      = "admin"      // 行政负责人
	PlaqueSupervisor = "supervisor" // 行业部门监管负责人
	PlaqueGuarantor  = "guarantor"  // 包保责任人
)

// Contact is a person at an enterprise, outside the configuration (its
// responsible people, the one answering for a hazard): a name and a phone,
// shown with config.DisplayPhone.
type Contact struct {
	Name  string `json:"name,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// Enterprise is one 挂牌企业 of the registry.
type Enterprise struct {
	Code     string `json:"code"` // 统一社会信用代码, 18 characters, checked
	Name     string `json:"name"` // 企业名称
	Address  string `json:"address,omitempty"`
	Industry string `json:"industry"` // an enterprise.Industries id
	Risk     string `json:"risk"`     // red, orange, yellow, blue (红橙黄蓝)
	// MajorHazard says the enterprise has a 重大危险源; MajorHazardNote
	// says which.
	MajorHazard     bool   `json:"major_hazard"`
	MajorHazardNote string `json:"major_hazard_note,omitempty"`
	// The three plaque people (三个责任人): two officials and the
	// enterprise's own head.
	Admin      string  `json:"admin"`      // 行政负责人, an official id
	Supervisor string  `json:"supervisor"` // 行业部门监管负责人, an official id
	Head       Contact `json:"head"`       // 企业单位负责人
	// The officials' names as the configuration gave them at import, to
	// say whom a plaque names once they have left the configuration.
	AdminName      string `json:"admin_name,omitempty"`
	SupervisorName string `json:"supervisor_name,omitempty"`
	GuarantorName  string `json:"guarantor_name,omitempty"`
	// The enterprise's 三个层级负责人 of its major risks.
	Principal     Contact `json:"principal,omitzero"`      // 主要负责人
	Deputy        Contact `json:"deputy,omitzero"`         // 分管负责人
	SafetyManager Contact `json:"safety_manager,omitzero"` // 安全管理人员
	Guarantor     string  `json:"guarantor,omitempty"`     // 包保责任人, an official id
	Unit          string  `json:"unit"`                    // 属地, a unit id
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

// ReplaceEnterprises replaces the whole registry with list (codes unique)
// and rebuilds the index of officials; it returns how many enterprises
// were stored before.
func (t *Tx) ReplaceEnterprises(list []Enterprise) (replaced int, err error) {
	replaced = t.EnterpriseCount()
	for _, name := range [][]byte{bEnterprises, bPlaques} {
		if err := t.tx.DeleteBucket(name); err != nil {
			return 0, fmt.Errorf("clear %s: %w", name, err)
		}
		if _, err := t.tx.CreateBucket(name); err != nil {
			return 0, fmt.Errorf("create %s: %w", name, err)
		}
	}
	idx := t.tx.Bucket(bPlaques)
	for _, e := range list {
		if t.tx.Bucket(bEnterprises).Get([]byte(e.Code)) != nil {
			return 0, fmt.Errorf("enterprise %s twice in one registry", e.Code)
		}
		if err := t.put(bEnterprises, []byte(e.Code), e); err != nil {
			return 0, err
		}
		for _, p := range e.Plaques() {
			if err := idx.Put(plaqueKey(p[1], p[0], e.Code), nil); err != nil {
				return 0, err
			}
		}
	}
	return replaced, nil
}

// Enterprises returns the registry, by 信用代码.
func (t *Tx) Enterprises() ([]Enterprise, error) {
	var out []Enterprise
	b := t.tx.Bucket(bEnterprises)
	if b == nil {
		return nil, nil // a file opened read-only before this version made the bucket
	}
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var e Enterprise
		if err := decode(v, &e); err != nil {
			return nil, &CorruptError{Bucket: string(bEnterprises), Key: bytes.Clone(k), Err: err}
		}
		out = append(out, e)
	}
	return out, nil
}

// Enterprise returns one enterprise by its 信用代码.
func (t *Tx) Enterprise(code string) (Enterprise, error) {
	var e Enterprise
	err := t.get(bEnterprises, []byte(code), &e)
	return e, err
}

// EnterpriseCount returns how many enterprises the registry holds.
func (t *Tx) EnterpriseCount() int {
	if b := t.tx.Bucket(bEnterprises); b != nil {
		return count(b)
	}
	return 0
}

// Plaque is an enterprise an official is named on, and as what.
type Plaque struct {
	Role string // PlaqueAdmin, PlaqueSupervisor, PlaqueGuarantor
	Code string // the enterprise's 信用代码
}

// PlaquesOf returns the enterprises an official is named on, by role
// then code, from the index: without reading the registry.
func (t *Tx) PlaquesOf(official string) []Plaque {
	var out []Plaque
	prefix := []byte(official + "\x00")
	b := t.tx.Bucket(bPlaques)
	if b == nil {
		return nil
	}
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		role, code, _ := bytes.Cut(k[len(prefix):], []byte{0})
		out = append(out, Plaque{Role: string(role), Code: string(code)})
	}
	return out
}
