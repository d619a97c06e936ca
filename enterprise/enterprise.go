// Package enterprise is the town's registry of key enterprises (挂牌企业台账,
// item 19 of the 十五条硬措施): for each enterprise its 统一社会信用代码,
// 行业, 风险等级 and 重大危险源, the three people on its public plaque
// (行政负责人 and 行业部门监管负责人, who are officials, and the enterprise's
// own 企业单位负责人), its 三个层级负责人, its 包保责任人 and its 属地 unit.
//
// Towns keep the registry as a spreadsheet; it is read from .xlsx (ParseXLSX)
// or YAML (ParseYAML), all or nothing: a file with any bad row is refused
// whole with every problem named by row and column (roster.Errors, whose
// problems are messages of locales/enterprise.*.yaml in the reader's
// language). Template writes a workbook to fill in, Export the stored
// registry as a workbook that ParseXLSX reads back to the same records.
// An import replaces the whole registry (Registry.Import).
//
// Check warns, without refusing, of what the seed calls "一人承包" (one
// official on more plaques than enterprises.max_per_person) and of plaques
// naming an official who is no longer in the configuration.
package enterprise

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"dutybot/config"
	"dutybot/roster"
)

// Industries are the 行业 an enterprise is registered under: the key
// industries of item 22 of the seed, and 其他 for the rest. The id is
// stored; the sheet says the Chinese word (IndustryWord).
var Industries = []string{"road_traffic", "construction", "hazchem", "gas", "industry_trade", "culture_tourism",
	"fire", "special_equipment", "other"}

// industryWords are the words a sheet may write for each industry, the one
// Template and Export write first.
var industryWords = map[string][]string{
	"road_traffic":      {"道路交通", "道路运输", "交通运输"},
	"construction":      {"建设施工", "建筑施工", "建设工程"},
	"hazchem":           {"危化品", "危险化学品", "危化"},
	"gas":               {"燃气", "城镇燃气"},
	"industry_trade":    {"工贸", "工贸企业"},
	"culture_tourism":   {"文旅", "文化旅游", "旅游"},
	"fire":              {"消防", "消防安全"},
	"special_equipment": {"特种设备"},
	"other":             {"其他", "其它"},
}

// Risks are the 风险等级, highest first, named as alert levels are.
var Risks = []string{"red", "orange", "yellow", "blue"}

var riskWords = map[string][]string{
	"red":    {"红", "红色", "重大风险", "重大", "红色（重大风险）"},
	"orange": {"橙", "橙色", "较大风险", "较大", "橙色（较大风险）"},
	"yellow": {"黄", "黄色", "一般风险", "一般", "黄色（一般风险）"},
	"blue":   {"蓝", "蓝色", "低风险", "低", "蓝色（低风险）"},
}

// IndustryWord returns the Chinese word for an industry id, as the sheet
// writes it.
func IndustryWord(id string) string {
	if w := industryWords[id]; len(w) > 0 {
		return w[0]
	}
	return id
}

// RiskWord returns the Chinese word for a risk level, as the sheet writes
// it.
func RiskWord(id string) string {
	if w := riskWords[id]; len(w) > 0 {
		return w[0]
	}
	return id
}

// lookupWord finds the id whose words, or the id itself, match s.
func lookupWord(words map[string][]string, ids []string, s string) (string, bool) {
	s = strings.TrimSpace(s)
	for _, id := range ids {
		if strings.EqualFold(s, id) || slices.Contains(words[id], s) {
			return id, true
		}
	}
	return "", false
}

// yesWords and noWords are how a sheet says whether there is a 重大危险源.
var (
	yesWords = []string{"是", "有", "Y", "YES", "TRUE", "1", "√"}
	noWords  = []string{"否", "无", "没有", "N", "NO", "FALSE", "0", "×", ""}
)

// Column keys: the fields of a record, and the keys of a YAML entry.
const (
	colName            = "name"
	colCode            = "code"
	colAddress         = "address"
	colIndustry        = "industry"
	colRisk            = "risk"
	colMajorHazard     = "major_hazard"
	colMajorHazardNote = "major_hazard_note"
	colAdmin           = "admin"
	colSupervisor      = "supervisor"
	colHead            = "head.name"
	colHeadPhone       = "head.phone"
	colPrincipal       = "principal.name"
	colPrincipalPhone  = "principal.phone"
	colDeputy          = "deputy.name"
	colDeputyPhone     = "deputy.phone"
	colSafety          = "safety_manager.name"
	colSafetyPhone     = "safety_manager.phone"
	colGuarantor       = "guarantor"
	colUnit            = "unit"
)

// column is a column of the registry sheet.
type column struct {
	key      string
	header   string   // as Template writes it
	aliases  []string // other headers towns write, normalised (normHeader)
	required bool
	width    float64
}

// columns are the sheet's columns in Template's order.
var columns = []column{
	{colName, "企业名称", []string{"单位名称", "企业单位名称", "企业名"}, true, 28},
	{colCode, "统一社会信用代码", []string{"信用代码", "社会信用代码", "统一信用代码"}, true, 22},
	{colAddress, "地址", []string{"企业地址", "经营地址", "详细地址", "注册地址"}, false, 28},
	{colIndustry, "行业", []string{"行业类别", "行业领域", "所属行业"}, true, 10},
	{colRisk, "风险等级", []string{"风险分级", "风险级别"}, true, 10},
	{colMajorHazard, "重大危险源", []string{"是否重大危险源", "有无重大危险源"}, false, 10},
	{colMajorHazardNote, "重大危险源说明", []string{"重大危险源情况", "重大危险源名称"}, false, 20},
	{colAdmin, "行政负责人", nil, true, 12},
	{colSupervisor, "行业部门监管负责人", []string{"监管负责人", "行业监管负责人", "行业部门负责人"}, true, 12},
	{colHead, "企业单位负责人", []string{"企业负责人", "单位负责人"}, true, 12},
	{colHeadPhone, "企业单位负责人电话", []string{"企业负责人电话", "单位负责人电话", "企业单位负责人手机", "企业负责人手机"}, false, 15},
	{colPrincipal, "主要负责人", nil, false, 12},
	{colPrincipalPhone, "主要负责人电话", []string{"主要负责人手机"}, false, 15},
	{colDeputy, "分管负责人", nil, false, 12},
	{colDeputyPhone, "分管负责人电话", []string{"分管负责人手机"}, false, 15},
	{colSafety, "安全管理人员", []string{"安全管理员", "安全员"}, false, 12},
	{colSafetyPhone, "安全管理人员电话", []string{"安全管理人员手机", "安全管理员电话", "安全员电话"}, false, 15},
	{colGuarantor, "包保责任人", nil, false, 12},
	{colUnit, "属地", []string{"属地单位", "所属村社区", "属地村社区", "所属村", "属地村"}, true, 12},
}

// normHeader reduces a header to compare: spaces, "*" marks and brackets
// dropped (企业（单位）名称 reads as 企业单位名称).
func normHeader(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\u3000', '\t', '\n', '\r', '*', '＊', '(', ')', '（', '）', '【', '】':
			return -1
		}
		return r
	}, s)
}

// columnFor returns the key of the column a header names, or "".
func columnFor(header string) string {
	h := normHeader(header)
	for _, c := range columns {
		if h == c.header || slices.Contains(c.aliases, h) {
			return c.key
		}
	}
	return ""
}

// ErrUnsupportedFormat is returned, wrapped, for a file that is neither
// .xlsx nor YAML.
var ErrUnsupportedFormat = roster.ErrUnsupportedFormat

// Parse reads a registry file named name (its extension chooses the
// format: .xlsx, .xlsm, .yaml or .yml) from data.
func Parse(name string, data []byte, cfg *config.Config) ([]Enterprise, error) {
	switch ext := strings.ToLower(filepath.Ext(name)); ext {
	case ".xlsx", ".xlsm":
		return ParseXLSX(strings.NewReader(string(data)), cfg)
	case ".yaml", ".yml":
		return ParseYAML(strings.NewReader(string(data)), cfg)
	case ".xls", ".et", ".ett", ".xlt":
		return nil, fmt.Errorf("%w: %s is an old-style workbook; save it as .xlsx (Excel workbook) and send that", ErrUnsupportedFormat, ext)
	default:
		return nil, fmt.Errorf("%w: extension %q; use .xlsx or .yaml", ErrUnsupportedFormat, ext)
	}
}

// ParseFile reads the registry file at path.
func ParseFile(path string, cfg *config.Config) ([]Enterprise, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("open registry: %w", err)
	}
	list, err := Parse(filepath.Base(path), data, cfg)
	if err != nil {
		return nil, fmt.Errorf("registry %s: %w", path, err)
	}
	return list, nil
}

// ParseXLSX reads the registry from the first sheet of an .xlsx workbook.
// The header row is looked for among the first five rows (a title row
// above it is fine); columns are known by their usual names (see
// columns), in any order, others ignored. Cells merged down several rows
// (a 属地 or a 行政负责人 over several enterprises) apply to each row.
func ParseXLSX(r io.Reader, cfg *config.Config) ([]Enterprise, error) {
	if cfg == nil {
		return nil, errors.New("enterprise: nil configuration")
	}
	_, rows, err := roster.ReadSheet(r, cfg)
	if err != nil {
		return nil, err
	}
	return parseRows(rows, cfg)
}

// parseRows reads the registry from the rows of a sheet.
func parseRows(rows [][]string, cfg *config.Config) ([]Enterprise, error) {
	header, cols, err := findHeader(rows)
	if err != nil {
		return nil, err
	}
	var recs []record
	for i := header + 1; i < len(rows); i++ {
		rec := record{row: i + 1, fields: map[string]field{}}
		empty := true
		for j, v := range rows[i] {
			if j >= len(cols) || cols[j].key == "" {
				continue
			}
			v = strings.TrimSpace(v)
			if v != "" {
				empty = false
			}
			rec.fields[cols[j].key] = field{cols[j].header, v}
		}
		if !empty {
			recs = append(recs, rec)
		}
	}
	return build(recs, cfg, headerNames(cols))
}

// headerCol is a column of the file: its header as written and the key it
// was recognised as ("" for a column not read).
type headerCol struct{ header, key string }

// headerRows is how many rows the header row is looked for in.
const headerRows = 5

// findHeader returns the header row (0-based) and its columns: the row of
// the first five naming the most known columns. A header lacking a
// required column is refused, naming every one missing.
func findHeader(rows [][]string) (int, []headerCol, error) {
	best, bestN := -1, 0
	for i := 0; i < len(rows) && i < headerRows; i++ {
		n := 0
		for _, v := range rows[i] {
			if columnFor(v) != "" {
				n++
			}
		}
		if n > bestN {
			best, bestN = i, n
		}
	}
	if bestN < 2 {
		return 0, nil, roster.NewProblem("EnterpriseProblemNoHeader", "Rows", headerRows)
	}
	cols := make([]headerCol, len(rows[best]))
	seen := map[string]bool{}
	for j, v := range rows[best] {
		if k := columnFor(v); k != "" && !seen[k] {
			cols[j] = headerCol{strings.TrimSpace(v), k}
			seen[k] = true
		}
	}
	var missing []string
	for _, c := range columns {
		if c.required && !seen[c.key] {
			missing = append(missing, c.header)
		}
	}
	if len(missing) > 0 {
		return 0, nil, roster.NewProblem("EnterpriseProblemMissingColumns", "Row", best+1, "Columns", strings.Join(missing, "、"))
	}
	return best, cols, nil
}

// headerNames maps each column key to the header the file wrote, for
// problems about an empty required cell.
func headerNames(cols []headerCol) map[string]string {
	out := map[string]string{}
	for _, c := range cols {
		if c.key != "" {
			out[c.key] = c.header
		}
	}
	return out
}
