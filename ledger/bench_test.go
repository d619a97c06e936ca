package ledger

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dutybot/config"
	"dutybot/enterprise"
	"dutybot/hazard"
	"dutybot/inspection"
	"dutybot/storage"
)

// yearTown is a town of 20 units and 81 officials, 80 of them on the
// plaques of 2,000 enterprises (40 行政负责人, 40 行业部门监管负责人), with a
// year of their work: about 24,000 inspections (2,000 a month, a third of
// them 协调解决难题, one in ten at an enterprise not theirs), 6,000 hazards
// found on them, most closed within three weeks, and the event log those
// records write.
func yearTown(b *testing.B) (*Ledger, time.Time) {
	b.Helper()
	var y strings.Builder
	y.WriteString("timezone: Asia/Shanghai\ntelegram: {api_url: \"http://127.0.0.1:9\"}\nstorage: {path: /nonexistent}\nunits:\n")
	for u := range 20 {
		fmt.Fprintf(&y, "  - {id: u%02d, name: 单位%02d}\n", u, u)
	}
	y.WriteString("officials:\n  - {id: o-admin, name: 安琪, phone: \"13800009999\", unit: u00, roles: [admin]}\n")
	people := make([]string, 80)
	for p := range people {
		people[p] = fmt.Sprintf("o-p%02d", p)
		fmt.Fprintf(&y, "  - {id: %s, name: 干部%02d, phone: \"138%08d\", unit: u%02d, roles: [staff]}\n", people[p], p, p, p%20)
	}
	y.WriteString("escalation:\n  policies:\n    default:\n      - {after: 10m, action: remind}\n" +
		"  levels: {blue: default, yellow: default, orange: default, red: default}\n")
	cfg, err := config.Parse([]byte(y.String()))
	if err != nil {
		b.Fatal(err)
	}
	db, err := storage.Open(filepath.Join(b.TempDir(), "dutybot.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	loc := cfg.Location
	rng := rand.New(rand.NewPCG(13, 19))

	ents := make([]enterprise.Enterprise, 2000)
	for i := range ents {
		ents[i] = enterprise.Enterprise{Code: creditCode(i + 1), Name: fmt.Sprintf("含谷第%d机械制造有限公司", i+1),
			Address: fmt.Sprintf("含谷镇工业园 %d 号", i+1), Industry: "industry_trade", Risk: "yellow",
			Admin: people[i%40], Supervisor: people[40+i%40], Guarantor: people[(i+7)%80],
			Head: storage.Contact{Name: "何伟", Phone: "13900000001"}, Unit: fmt.Sprintf("u%02d", i%20), Row: i + 1}
	}
	mine := map[string][]int{}
	for i, e := range ents {
		mine[e.Admin] = append(mine[e.Admin], i)
		mine[e.Supervisor] = append(mine[e.Supervisor], i)
	}
	if err := db.Update(func(tx *storage.Tx) error { _, err := enterprise.Replace(tx, ents); return err }); err != nil {
		b.Fatal(err)
	}

	type closing struct {
		id string
		at time.Time
		by string
	}
	var closings []closing
	inspections, hazards := 0, 0
	for m := time.January; m <= time.December; m++ {
		days := time.Date(2026, m+1, 0, 0, 0, 0, 0, loc).Day()
		err := db.Update(func(tx *storage.Tx) error {
			for range 2000 {
				at := time.Date(2026, m, 1+rng.IntN(days), 8+rng.IntN(10), rng.IntN(60), 0, 0, loc)
				who := people[rng.IntN(80)]
				e := ents[mine[who][rng.IntN(len(mine[who]))]]
				plaque := []string{enterprise.PlaqueAdmin}
				if e.Supervisor == who {
					plaque = []string{enterprise.PlaqueSupervisor}
				}
				if rng.IntN(10) == 0 { // somebody else's enterprise
					e, plaque = ents[rng.IntN(len(ents))], nil
				}
				kind := inspection.KindCheck
				if rng.IntN(3) == 0 {
					kind = inspection.KindProblem
				}
				id, err := inspection.NextID(tx, at)
				if err != nil {
					return err
				}
				i := inspection.Inspection{ID: id, Enterprise: e.Code, EnterpriseName: e.Name, Unit: e.Unit, Official: who, At: at,
					Kind: kind, Checked: "消防通道、灭火器、用电安全、安全培训台账", Findings: "部分灭火器过期，已要求更换",
					Photos: []string{"AgACAgUAAxkBAAIB" + id, "AgACAgUAAxkBAAIC" + id}, Point: &storage.Point{Lat: 29.56, Lon: 106.44}, Plaque: plaque}
				if rng.IntN(4) == 0 {
					hid, err := hazard.NextID(tx, at)
					if err != nil {
						return err
					}
					due := at.AddDate(0, 0, 7)
					h := hazard.Hazard{ID: hid, Enterprise: e.Code, EnterpriseName: e.Name, Unit: e.Unit, Supervisor: e.Supervisor,
						Administrator: e.Admin, FoundBy: who, FoundAt: at, Level: hazard.LevelGeneral, Description: "消防通道被货物堵塞",
						Photos: []string{"AgACAgUAAxkBAAID" + hid}, Responsible: e.Head, State: hazard.StateAssigned, Deadline: due, Round: 1,
						History: []hazard.Step{{State: hazard.StateFound, At: at, By: who}, {State: hazard.StateAssigned, At: at, By: who, Due: due}}}
					if err := hazard.Put(tx, h); err != nil {
						return err
					}
					for _, ev := range []string{hazard.EvFound, hazard.EvAssigned} {
						if err := tx.AppendEvent(storage.Event{At: at, Type: ev, Alert: hid, Official: who, Actor: who, Detail: h.Description}); err != nil {
							return err
						}
					}
					if rng.IntN(10) < 8 {
						closings = append(closings, closing{hid, at.Add(time.Duration(1+rng.IntN(20*24)) * time.Hour), e.Supervisor})
					}
					i.Hazards = []string{hid}
					hazards++
				}
				if err := inspection.Put(tx, i); err != nil {
					return err
				}
				if err := tx.AppendEvent(storage.Event{At: at, Type: inspection.EvInspected, Alert: id, Official: who, Actor: who,
					Detail: e.Name + " " + i.Checked}); err != nil {
					return err
				}
				inspections++
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	for start := 0; start < len(closings); start += 500 {
		err := db.Update(func(tx *storage.Tx) error {
			for _, c := range closings[start:min(start+500, len(closings))] {
				h, err := hazard.Load(tx, c.id)
				if err != nil {
					return err
				}
				h.History = append(h.History,
					hazard.Step{State: hazard.StateRectified, At: c.at.Add(-2 * time.Hour), By: storage.ActorEnterprise, Name: "何伟",
						Note: "已清理通道", Photos: []string{"AgACAgUAAxkBAAIE" + c.id}},
					hazard.Step{State: hazard.StateRechecked, At: c.at, By: c.by},
					hazard.Step{State: hazard.StateClosed, At: c.at, By: c.by})
				h.State, h.RectifiedBy, h.RectifiedName, h.RectifiedAt = hazard.StateClosed, storage.ActorEnterprise, "何伟", c.at.Add(-2*time.Hour)
				h.RecheckedBy, h.RecheckedAt, h.ClosedBy, h.ClosedAt = c.by, c.at, c.by, c.at
				if err := hazard.Put(tx, h); err != nil {
					return err
				}
				for _, ev := range []string{hazard.EvRectified, hazard.EvRechecked, hazard.EvClosed} {
					// The log is in time order only per hazard here; the
					// export reads it by time all the same.
					if err := tx.AppendEvent(storage.Event{At: c.at, Type: ev, Alert: c.id, Official: c.by, Actor: c.by}); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("a year of %d inspections, %d hazards (%d closed) at %d enterprises", inspections, hazards, len(closings), len(ents))
	return New(cfg, db, testCatalog(b)), time.Date(2027, 1, 2, 9, 0, 0, 0, loc)
}

// BenchmarkExportYearOfInspections is the workbook of a year of a town
// with 2,000 enterprises: every sheet, the inspections' and the per-person
// quotas' among them, read from bbolt and written as .xlsx.
func BenchmarkExportYearOfInspections(b *testing.B) {
	l, now := yearTown(b)
	loc := l.cfg.Location
	f := Filter{From: time.Date(2026, 1, 1, 0, 0, 0, 0, loc), To: time.Date(2027, 1, 1, 0, 0, 0, 0, loc)}
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		st, err := l.Export(&buf, f, now)
		if err != nil {
			b.Fatal(err)
		}
		if st.Inspections < 20000 || st.Hazards < 5000 {
			b.Fatalf("stats %+v", st)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes/xlsx")
}
