package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"dutybot/storage"

	"dutybot/hazard"

	"dutybot/enterprise"
)

// dutyload ledger also writes a registry of loadEnterprises enterprises
// and a year of their hazards, so the export's 隐患台账 and 挂牌企业 sheets
// are timed at a township's scale.
const (
	loadEnterprises      = 2000
	hazardsPerEnterprise = 3 // a year: 6,000 hazards
)

// yearOfHazards writes the registry and a year of hazards, each with its
// story (found and assigned; fixed, rechecked and closed, a fifth sent
// back once; the last weeks' still open). It returns the events of their
// steps by day of the year, for yearOfTown to log in time order as the
// loop would (EventsBetween reads the log back to front by time).
func yearOfHazards(db *storage.DB, t *town, first time.Time) (hazards int, byDay map[int][]storage.Event, err error) {
	byDay = map[int][]storage.Event{}
	rng := rand.New(rand.NewPCG(3, 4))
	official := func() string { return fmt.Sprintf("o-%d", rng.IntN(t.n)) }
	ents := make([]enterprise.Enterprise, loadEnterprises)
	for i := range ents {
		ents[i] = enterprise.Enterprise{Code: fmt.Sprintf("91500106MA%08d", i), Name: fmt.Sprintf("含谷镇第%d号企业有限公司", i),
			Address: "含谷镇工业园区", Industry: "industry_trade", Risk: "yellow", Admin: official(), Supervisor: official(),
			Head: storage.Contact{Name: "企业负责人", Phone: "13900000000"}, Unit: unitID(i), Row: i + 2, ImportedAt: first}
	}
	if err := db.Update(func(tx *storage.Tx) error { _, err := enterprise.Replace(tx, ents); return err }); err != nil {
		return 0, nil, err
	}
	total := loadEnterprises * hazardsPerEnterprise
	perDay := total/365 + 1
	for day := range 365 {
		d := first.AddDate(0, 0, day)
		err := db.Update(func(tx *storage.Tx) error {
			for k := 0; k < perDay && hazards < total; k++ {
				e := ents[rng.IntN(len(ents))]
				at := d.Add(9*time.Hour + time.Duration(k)*time.Minute)
				id, err := hazard.NextID(tx, at)
				if err != nil {
					return err
				}
				by := official()
				h := hazard.Hazard{ID: id, Enterprise: e.Code, EnterpriseName: e.Name, Unit: e.Unit, Supervisor: e.Supervisor,
					Administrator: e.Admin, FoundBy: by, FoundAt: at, Level: hazard.LevelGeneral, Description: "消防通道被货物堵塞，灭火器过期未更换",
					Responsible: e.Head, Photos: []string{"photo"}, State: hazard.StateAssigned, Round: 1,
					Deadline: at.AddDate(0, 0, 7)}
				if rng.IntN(20) == 0 {
					h.Level = hazard.LevelMajor
					h.Five = &hazard.FiveFixes{Responsibility: "企业负责人", Measures: "停产整改", Funds: "5万元", TimeLimit: "30天", Plan: "应急预案"}
				}
				steps := []hazard.Step{{State: hazard.StateFound, At: at, By: by, Photos: h.Photos},
					{State: hazard.StateAssigned, At: at, By: by, Due: h.Deadline}}
				types := []string{hazard.EvFound, hazard.EvAssigned}
				if day < 340 {
					fixed := at.AddDate(0, 0, 2+rng.IntN(8)) // some after the deadline
					steps = append(steps, hazard.Step{State: hazard.StateRectified, At: fixed, By: storage.ActorEnterprise,
						Name: e.Head.Name, Note: "已整改", Photos: []string{"fixed"}})
					types = append(types, hazard.EvRectified)
					if rng.IntN(5) == 0 {
						back := fixed.Add(24 * time.Hour)
						steps = append(steps, hazard.Step{State: hazard.StateAssigned, At: back, By: by, Note: "整改不到位", Due: back.AddDate(0, 0, 3)},
							hazard.Step{State: hazard.StateRectified, At: back.AddDate(0, 0, 2), By: storage.ActorEnterprise, Name: e.Head.Name, Note: "已整改"})
						types = append(types, hazard.EvSentBack, hazard.EvRectified)
						h.Round, h.Deadline = 2, back.AddDate(0, 0, 3)
						fixed = back.AddDate(0, 0, 2)
					}
					checker := e.Supervisor
					steps = append(steps, hazard.Step{State: hazard.StateRechecked, At: fixed.Add(24 * time.Hour), By: checker},
						hazard.Step{State: hazard.StateClosed, At: fixed.Add(25 * time.Hour), By: checker})
					types = append(types, hazard.EvRechecked, hazard.EvClosed)
					h.State, h.RectifiedBy, h.RectifiedAt = hazard.StateClosed, storage.ActorEnterprise, fixed
					h.RecheckedBy, h.RecheckedAt, h.ClosedBy, h.ClosedAt = checker, fixed.Add(24*time.Hour), checker, fixed.Add(25*time.Hour)
				}
				h.History = steps
				if err := hazard.Put(tx, h); err != nil {
					return err
				}
				for i, st := range steps {
					d := int(st.At.Sub(first) / (24 * time.Hour))
					byDay[d] = append(byDay[d], storage.Event{At: st.At, Type: types[i], Alert: id, Actor: st.By, Detail: "hazard step"})
				}
				hazards++
			}
			return nil
		})
		if err != nil {
			return hazards, nil, err
		}
	}
	for _, evs := range byDay {
		slices.SortStableFunc(evs, func(a, b storage.Event) int { return a.At.Compare(b.At) })
	}
	return hazards, byDay, nil
}
