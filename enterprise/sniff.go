package enterprise

import (
	"bytes"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"dutybot/config"
	"dutybot/roster"
)

// A file sent to the bot does not say which register it is: admins send
// duty rosters and the 挂牌企业台账 the same way. ParseIfRegistry tells a
// registry by what only a registry has, and reads it; anything else is
// left to the roster's reader.

// registryKeys are the keys of a YAML registry entry that no duty roster
// entry has.
var registryKeys = []string{colCode, "head", colIndustry, colRisk, colAdmin, colSupervisor}

// ParseIfRegistry reads the file named name as a registry if it is one:
// an .xlsx workbook whose first sheet is named as Template names it
// (挂牌企业台账), or whose header row (among the first five) names
// 企业名称 or 统一社会信用代码 and at least one other registry column; a
// YAML list whose first entry has a key only registries have (code, head,
// industry, risk, admin, supervisor). ok is false for anything else (a
// roster, a file that cannot be read, another format); list and err are
// then nil. ok true, list and err are Parse's: every bad row, a missing
// column, a limit of roster.import. A workbook is read once.
func ParseIfRegistry(name string, data []byte, cfg *config.Config) (list []Enterprise, ok bool, err error) {
	if cfg == nil {
		return nil, false, nil
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".xlsx", ".xlsm":
		sheet, rows, err := roster.ReadSheet(bytes.NewReader(data), cfg)
		if err != nil || !(strings.TrimSpace(sheet) == registrySheet || registryHeader(rows)) {
			return nil, false, nil
		}
		list, err = parseRows(rows, cfg)
		return list, true, err
	case ".yaml", ".yml":
		text, err := roster.ReadYAML(bytes.NewReader(data), cfg)
		if err != nil || !registryYAML(text) {
			return nil, false, nil
		}
		list, err = ParseYAML(strings.NewReader(text), cfg)
		return list, true, err
	}
	return nil, false, nil
}

// registryHeader reports whether one of the first rows reads as a
// registry's header.
func registryHeader(rows [][]string) bool {
	for i := 0; i < len(rows) && i < headerRows; i++ {
		named, n := false, 0
		for _, v := range rows[i] {
			switch columnFor(v) {
			case "":
				continue
			case colName, colCode:
				named = true
			}
			n++
		}
		if named && n >= 2 {
			return true
		}
	}
	return false
}

// registryYAML reports whether a YAML text is a list whose first entry has
// a key only registries have.
func registryYAML(text string) bool {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil || len(doc.Content) == 0 {
		return false
	}
	list := doc.Content[0]
	if list.Kind != yaml.SequenceNode || len(list.Content) == 0 || list.Content[0].Kind != yaml.MappingNode {
		return false
	}
	entry := list.Content[0]
	for i := 0; i+1 < len(entry.Content); i += 2 {
		if slices.Contains(registryKeys, entry.Content[i].Value) {
			return true
		}
	}
	return false
}
