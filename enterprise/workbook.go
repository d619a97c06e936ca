package enterprise

import (
	"errors"
	"fmt"

	"github.com/xuri/excelize/v2"

	"dutybot/config"
	"dutybot/roster"
	"dutybot/storage"
)

// Sheets and defined names of the workbooks written by Template and Export.
const (
	registrySheet = "挂牌企业台账"
	listSheet     = "名单"
	templateEnd   = 2001 // last row given drop-down lists by Template
)

// Template returns an empty registry workbook (.xlsx) to fill in: the
// header row, one example row (refused until deleted), and drop-down lists
// of the 行业, the 风险等级, 是/否, the officials (行政负责人,
// 行业部门监管负责人, 包保责任人) and the units (属地), on a hidden sheet 名单.
func Template(cfg *config.Config) ([]byte, error) {
	if cfg == nil {
		return nil, errors.New("enterprise template: nil configuration")
	}
	w, err := newWorkbook(cfg)
	if err != nil {
		return nil, fmt.Errorf("enterprise template: %w", err)
	}
	defer w.f.Close()
	admin, supervisor := exampleOfficials(cfg)
	unit := ""
	if len(cfg.People().Units) > 0 {
		unit = cfg.People().Units[len(cfg.People().Units)-1].ID
	}
	example := Enterprise{Name: exampleMark + "含谷某某机械有限公司（填写后请删除本行）", Code: "91350100M000100Y43",
		Address: "含谷镇某某路 1 号", Industry: "industry_trade", Risk: "yellow", Admin: admin, Supervisor: supervisor,
		Head: storage.Contact{Name: "王某", Phone: "13900000000"}, Unit: unit}
	if err := w.row(2, example); err != nil {
		return nil, fmt.Errorf("enterprise template: %w", err)
	}
	if err := w.lists(); err != nil {
		return nil, fmt.Errorf("enterprise template: %w", err)
	}
	return w.bytes()
}

// exampleOfficials picks the example row's 行政负责人 (a leader) and
// 行业部门监管负责人 (a unit head).
func exampleOfficials(cfg *config.Config) (admin, supervisor string) {
	for _, o := range cfg.People().Officials {
		switch {
		case admin == "" && o.HasRole(config.RoleLeader):
			admin = o.ID
		case supervisor == "" && o.HasRole(config.RoleUnitHead):
			supervisor = o.ID
		}
	}
	if len(cfg.People().Officials) > 0 {
		admin = cmpOr(admin, cfg.People().Officials[0].ID)
		supervisor = cmpOr(supervisor, cfg.People().Officials[len(cfg.People().Officials)-1].ID)
	}
	return admin, supervisor
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Export writes the registry to an .xlsx workbook that ParseXLSX reads
// back to the same enterprises (officials by name, units by name, phones
// as DisplayPhone shows them), with Template's columns and lists.
func Export(list []Enterprise, cfg *config.Config) ([]byte, error) {
	if cfg == nil {
		return nil, errors.New("enterprise export: nil configuration")
	}
	w, err := newWorkbook(cfg)
	if err != nil {
		return nil, fmt.Errorf("enterprise export: %w", err)
	}
	defer w.f.Close()
	for i, e := range list {
		if err := w.row(i+2, e); err != nil {
			return nil, fmt.Errorf("enterprise export: %w", err)
		}
	}
	if err := w.lists(); err != nil {
		return nil, fmt.Errorf("enterprise export: %w", err)
	}
	return w.bytes()
}

// workbook is a registry workbook being written.
type workbook struct {
	f      *excelize.File
	cfg    *config.Config
	people *roster.People
	text   int // style of the data cells: text, so 信用代码 and phones stay as typed
}

func newWorkbook(cfg *config.Config) (*workbook, error) {
	f := excelize.NewFile()
	w := &workbook{f: f, cfg: cfg, people: roster.NewPeople(cfg)}
	err := func() error {
		if err := f.SetSheetName("Sheet1", registrySheet); err != nil {
			return err
		}
		header := make([]any, len(columns))
		for i, c := range columns {
			header[i] = c.header
			if c.required {
				header[i] = c.header + "*"
			}
			col, _ := excelize.ColumnNumberToName(i + 1)
			if err := f.SetColWidth(registrySheet, col, col, c.width); err != nil {
				return err
			}
		}
		if err := f.SetSheetRow(registrySheet, "A1", &header); err != nil {
			return err
		}
		bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"DDEBF7"}, Pattern: 1}})
		if err != nil {
			return err
		}
		last, _ := excelize.ColumnNumberToName(len(columns))
		if err := f.SetCellStyle(registrySheet, "A1", last+"1", bold); err != nil {
			return err
		}
		if w.text, err = f.NewStyle(&excelize.Style{NumFmt: 49}); err != nil { // "@": text
			return err
		}
		return f.SetPanes(registrySheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	}()
	if err != nil {
		f.Close()
		return nil, err
	}
	return w, nil
}

// cell returns the cell of a column key in row r.
func (w *workbook) cell(key string, r int) string {
	for i, c := range columns {
		if c.key == key {
			name, _ := excelize.CoordinatesToCellName(i+1, r)
			return name
		}
	}
	return ""
}

// row writes an enterprise on row r.
func (w *workbook) row(r int, e Enterprise) error {
	official := func(id string) string {
		if id == "" {
			return ""
		}
		if l, ok := w.people.Label(id); ok {
			return l
		}
		return id // no longer in the configuration: the import names it
	}
	hazard := "否"
	if e.MajorHazard {
		hazard = "是"
	}
	values := map[string]string{
		colName: e.Name, colCode: e.Code, colAddress: e.Address, colIndustry: IndustryWord(e.Industry),
		colRisk: RiskWord(e.Risk), colMajorHazard: hazard, colMajorHazardNote: e.MajorHazardNote,
		colAdmin: official(e.Admin), colSupervisor: official(e.Supervisor),
		colHead: e.Head.Name, colHeadPhone: config.DisplayPhone(e.Head.Phone),
		colPrincipal: e.Principal.Name, colPrincipalPhone: config.DisplayPhone(e.Principal.Phone),
		colDeputy: e.Deputy.Name, colDeputyPhone: config.DisplayPhone(e.Deputy.Phone),
		colSafety: e.SafetyManager.Name, colSafetyPhone: config.DisplayPhone(e.SafetyManager.Phone),
		colGuarantor: official(e.Guarantor), colUnit: unitLabel(w.cfg, e.Unit),
	}
	row := make([]any, len(columns))
	for i, c := range columns {
		row[i] = values[c.key]
	}
	start, _ := excelize.CoordinatesToCellName(1, r)
	if err := w.f.SetSheetRow(registrySheet, start, &row); err != nil {
		return err
	}
	end, _ := excelize.CoordinatesToCellName(len(columns), r)
	return w.f.SetCellStyle(registrySheet, start, end, w.text)
}

// lists writes the hidden sheet of lists and the drop-downs that use it.
func (w *workbook) lists() error {
	f := w.f
	if _, err := f.NewSheet(listSheet); err != nil {
		return err
	}
	var officials, units, industries, risks []string
	for _, o := range w.cfg.People().Officials {
		if l, ok := w.people.Label(o.ID); ok {
			officials = append(officials, l)
		}
	}
	for _, u := range w.cfg.People().Units {
		units = append(units, unitLabel(w.cfg, u.ID))
	}
	for _, id := range Industries {
		industries = append(industries, IndustryWord(id))
	}
	for _, id := range Risks {
		risks = append(risks, RiskWord(id))
	}
	type list struct {
		title, name string
		values      []string
		cols        []string
		prompt      string
		style       excelize.DataValidationErrorStyle
	}
	all := []list{
		{"行业", "enterprise_industries", industries, []string{colIndustry}, "请从列表中选择行业。", excelize.DataValidationErrorStyleStop},
		{"风险等级", "enterprise_risks", risks, []string{colRisk}, "红、橙、黄、蓝。", excelize.DataValidationErrorStyleStop},
		{"重大危险源", "enterprise_yesno", []string{"是", "否"}, []string{colMajorHazard}, "是或否；空白即否。", excelize.DataValidationErrorStyleStop},
		{"人员", "enterprise_officials", officials, []string{colAdmin, colSupervisor, colGuarantor}, "请从列表中选择配置中的人员。", excelize.DataValidationErrorStyleWarning},
		{"属地", "enterprise_units", units, []string{colUnit}, "请从列表中选择属地单位。", excelize.DataValidationErrorStyleWarning},
	}
	for i, l := range all {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetCellStr(listSheet, col+"1", l.title); err != nil {
			return err
		}
		for j, v := range l.values {
			if err := f.SetCellStr(listSheet, fmt.Sprintf("%s%d", col, j+2), v); err != nil {
				return err
			}
		}
		if len(l.values) == 0 {
			continue
		}
		if err := f.SetDefinedName(&excelize.DefinedName{Name: l.name,
			RefersTo: fmt.Sprintf("'%s'!$%s$2:$%s$%d", listSheet, col, col, len(l.values)+1)}); err != nil {
			return err
		}
		for _, key := range l.cols {
			dv := excelize.NewDataValidation(true)
			dv.Sqref = w.cell(key, 2) + ":" + w.cell(key, templateEnd)
			dv.SetSqrefDropList(l.name)
			dv.SetInput(l.title, l.prompt)
			dv.SetError(l.style, l.title, l.prompt)
			if err := f.AddDataValidation(registrySheet, dv); err != nil {
				return err
			}
		}
	}
	return f.SetSheetVisible(listSheet, false)
}

func (w *workbook) bytes() ([]byte, error) {
	buf, err := w.f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
