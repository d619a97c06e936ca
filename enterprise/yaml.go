package enterprise

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"gopkg.in/yaml.v3"

	"dutybot/config"
	"dutybot/roster"
)

// yamlContact is a person at the enterprise in a YAML registry.
type yamlContact struct {
	Name  string `yaml:"name"`
	Phone string `yaml:"phone"`
}

// yamlEnterprise is one entry of a YAML registry; see ParseYAML.
type yamlEnterprise struct {
	Name            string      `yaml:"name"`
	Code            string      `yaml:"code"`
	Address         string      `yaml:"address"`
	Industry        string      `yaml:"industry"`
	Risk            string      `yaml:"risk"`
	MajorHazard     string      `yaml:"major_hazard"`
	MajorHazardNote string      `yaml:"major_hazard_note"`
	Admin           string      `yaml:"admin"`
	Supervisor      string      `yaml:"supervisor"`
	Head            yamlContact `yaml:"head"`
	Principal       yamlContact `yaml:"principal"`
	Deputy          yamlContact `yaml:"deputy"`
	SafetyManager   yamlContact `yaml:"safety_manager"`
	Guarantor       string      `yaml:"guarantor"`
	Unit            string      `yaml:"unit"`
}

// ParseYAML reads a registry written as a YAML list of enterprises:
//
//   - name: 含谷精密机械有限公司
//     code: 91500106MA5U7G8L2K      # 统一社会信用代码
//     address: 含谷镇工业园 3 号
//     industry: 工贸                 # or the id: industry_trade
//     risk: 黄                       # 红 橙 黄 蓝, or red orange yellow blue
//     major_hazard: 否               # 是/否, true/false
//     major_hazard_note: ""
//     admin: 李芳                    # 行政负责人: an official's name, id or phone
//     supervisor: 孙丽               # 行业部门监管负责人
//     head: {name: 何伟, phone: "13900000001"}   # 企业单位负责人
//     principal: {name: 何伟, phone: "13900000001"} # 三个层级负责人 (optional)
//     deputy: {name: 唐亮, phone: "13900000002"}
//     safety_manager: {name: 罗敏, phone: "13900000003"}
//     guarantor: 赵静                # 包保责任人 (optional)
//     unit: 含谷村                   # 属地: a unit's id or name
//
// Values are read as the sheet's cells of the same meaning. In problems,
// the row is the entry's position in the list, from 1, and the column its
// key (head.phone). Unknown keys are an error.
func ParseYAML(r io.Reader, cfg *config.Config) ([]Enterprise, error) {
	if cfg == nil {
		return nil, errors.New("enterprise: nil configuration")
	}
	text, err := roster.ReadYAML(r, cfg)
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(strings.NewReader(text))
	dec.KnownFields(true)
	var list []yamlEnterprise
	if err := dec.Decode(&list); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, roster.NewProblem("EnterpriseProblemEmpty")
		}
		return nil, fmt.Errorf("decode YAML registry: %w", err)
	}
	if max := roster.Limits(cfg).MaxRows; len(list) > max {
		return nil, &roster.LimitError{Key: roster.LimitRows, Max: int64(max), Seen: int64(len(list))}
	}
	recs := make([]record, len(list))
	for i, e := range list {
		fields := map[string]field{}
		set := func(key, v string) { fields[key] = field{key, strings.TrimSpace(v)} }
		set(colName, e.Name)
		set(colCode, e.Code)
		set(colAddress, e.Address)
		set(colIndustry, e.Industry)
		set(colRisk, e.Risk)
		set(colMajorHazard, e.MajorHazard)
		set(colMajorHazardNote, e.MajorHazardNote)
		set(colAdmin, e.Admin)
		set(colSupervisor, e.Supervisor)
		set(colHead, e.Head.Name)
		set(colHeadPhone, e.Head.Phone)
		set(colPrincipal, e.Principal.Name)
		set(colPrincipalPhone, e.Principal.Phone)
		set(colDeputy, e.Deputy.Name)
		set(colDeputyPhone, e.Deputy.Phone)
		set(colSafety, e.SafetyManager.Name)
		set(colSafetyPhone, e.SafetyManager.Phone)
		set(colGuarantor, e.Guarantor)
		set(colUnit, e.Unit)
		recs[i] = record{row: i + 1, fields: fields}
	}
	return build(recs, cfg, nil)
}
